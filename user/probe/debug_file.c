// SPDX-License-Identifier: GPL-2.0
/*
 * Separate debug files, found as gdb finds them (build-id tree, then
 * .gnu_debuglink), then from debuginfod. The symbols they hold are at the
 * object's own addresses: `objcopy --only-keep-debug` keeps the program
 * headers and section addresses (with no contents), so the object's PT_LOAD
 * segments still map every symbol to the file offset a uprobe goes to.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <elfutils/debuginfod.h>
#include "probe/debug_file.h"
#include "core/test_knobs.h"
#include "core/util.h"

#define DEFAULT_DEBUG_ROOT "/usr/lib/debug"
/* How long one debuginfod look-up may take when DEBUGINFOD_MAXTIME does not say. */
#define DEBUGINFOD_WAIT_NS (15ULL * 1000000000ULL)
#define BUILD_ID_HEX	   (2 * 64 + 1)

/* The object as the process that maps it sees it: its root and its path there. */
struct object_place {
	char root[64]; /* "" or "/proc/N/root" */
	char file[PATH_MAX];
	dev_t dev;
	ino_t ino;
};

struct lookup {
	struct object_place at;
	Elf *obj;
	char build_id[BUILD_ID_HEX];
	char looked[512]; /* where it looked, for -v */
};

/* SONDE_DEBUG_ROOT (test_knobs.h), read at the first look-up. */
static const char *debug_root(void)
{
	static const char *root;

	if (!root) {
		root = test_knobs()->debug_root;
		if (!root)
			root = DEFAULT_DEBUG_ROOT;
	}
	return root;
}

int debug_file_build_id(Elf *elf, char *hex, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off, i;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const unsigned char *desc = (const unsigned char *)data->d_buf + desc_off;

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)data->d_buf + name_off, "GNU", 4))
				continue;
			if (!nh.n_descsz || nh.n_descsz * 2 + 1 > len)
				return -ENOSPC;
			for (i = 0; i < nh.n_descsz; i++)
				snprintf(hex + 2 * i, 3, "%02x", desc[i]);
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * /proc/N/root/usr/lib/x.so is /usr/lib/x.so under /proc/N/root;
 * /proc/N/map_files/A-B and /proc/N/exe name the file they link to.
 */
static void place_object(const char *path, struct object_place *at)
{
	static const char deleted[] = " (deleted)";
	int pid, n = 0;
	ssize_t len;
	struct stat st;

	at->root[0] = '\0';
	snprintf(at->file, sizeof(at->file), "%s", path);
	if (!stat(path, &st)) {
		at->dev = st.st_dev;
		at->ino = st.st_ino;
	}
	if (sscanf(path, "/proc/%d/%n", &pid, &n) != 1 || !n)
		return;
	snprintf(at->root, sizeof(at->root), "/proc/%d/root", pid);
	if (!strncmp(path + n, "root/", 5)) {
		snprintf(at->file, sizeof(at->file), "%s", path + n + 4);
		return;
	}
	len = readlink(path, at->file, sizeof(at->file) - 1);
	if (len <= 0 || at->file[0] != '/') {
		at->root[0] = '\0';
		snprintf(at->file, sizeof(at->file), "%s", path);
		return;
	}
	at->file[len] = '\0';
	if ((size_t)len > sizeof(deleted) - 1 &&
	    !strcmp(at->file + len - (sizeof(deleted) - 1), deleted))
		at->file[len - (sizeof(deleted) - 1)] = '\0';
}

/* A refusal is said once per file and object, however often the object is loaded. */
static bool said_before(const char *cand, const char *obj)
{
	static char *said[64];
	static size_t nr;
	char key[2 * PATH_MAX + 2];
	size_t i;

	snprintf(key, sizeof(key), "%s\n%s", cand, obj);
	for (i = 0; i < nr; i++)
		if (!strcmp(said[i], key))
			return true;
	/* Past the table's size (or out of memory) a refusal may be said again: harmless. */
	if (nr < sizeof(said) / sizeof(said[0]) && (said[nr] = strdup(key)))
		nr++;
	return false;
}

static void refuse(const struct lookup *l, const char *cand, const char *why)
{
	if (!said_before(cand, l->at.file))
		sonde_say("note: not using %s as the debug file of %s: %s", cand, l->at.file, why);
}

int debug_file_crc32(int fd, unsigned int *crc)
{
	unsigned char buf[65536];
	uLong c = crc32(0L, Z_NULL, 0);
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		c = crc32(c, buf, (uInt)n);
		off += n;
	}
	if (n < 0)
		return -errno;
	*crc = (unsigned int)c;
	return 0;
}

static bool same_load(const GElf_Phdr *a, const GElf_Phdr *b)
{
	return a->p_vaddr == b->p_vaddr && a->p_memsz == b->p_memsz && a->p_flags == b->p_flags;
}

const char *debug_file_mismatch(Elf *obj, Elf *dbg, char *why, size_t len)
{
	size_t no, nd, i, j = 0;
	GElf_Phdr po, pd;

	if (elf_getphdrnum(obj, &no) || elf_getphdrnum(dbg, &nd)) {
		snprintf(why, len, "its program headers cannot be read");
		return why;
	}
	for (i = 0; i < no; i++) {
		if (!gelf_getphdr(obj, (int)i, &po) || po.p_type != PT_LOAD)
			continue;
		while (j < nd && (!gelf_getphdr(dbg, (int)j, &pd) || pd.p_type != PT_LOAD))
			j++;
		if (j == nd) {
			snprintf(why, len, "it has fewer load segments than the object");
			return why;
		}
		if (!same_load(&po, &pd)) {
			snprintf(why, len,
				 "its load segment at 0x%llx (0x%llx bytes) is the object's at "
				 "0x%llx (0x%llx bytes): another build",
				 (unsigned long long)pd.p_vaddr, (unsigned long long)pd.p_memsz,
				 (unsigned long long)po.p_vaddr, (unsigned long long)po.p_memsz);
			return why;
		}
		j++;
	}
	for (; j < nd; j++) {
		if (gelf_getphdr(dbg, (int)j, &pd) && pd.p_type == PT_LOAD) {
			snprintf(why, len, "it has more load segments than the object");
			return why;
		}
	}
	return NULL;
}

static bool has_symtab(Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB && sh.sh_size)
			return true;
	return false;
}

/* Why the file open at fd cannot be the object's debug file, or NULL. */
static const char *unusable(const struct lookup *l, Elf *dbg, char *why, size_t len)
{
	char id[BUILD_ID_HEX];

	if (!dbg || elf_kind(dbg) != ELF_K_ELF)
		return "it is not an ELF file";
	if (l->build_id[0]) {
		if (debug_file_build_id(dbg, id, sizeof(id)))
			return "it has no build-id, and the object has one";
		if (strcmp(id, l->build_id)) {
			snprintf(why, len, "its build-id %s is not the object's %s", id,
				 l->build_id);
			return why;
		}
	}
	if (!has_symtab(dbg))
		return "it has no symbol table (.symtab)";
	return debug_file_mismatch(l->obj, dbg, why, len);
}

/*
 * Use cand if it is the object's debug file: 0, or -ENOENT (not there, or
 * refused with a note). crc: what .gnu_debuglink expects, or NULL.
 */
static int try_file(const struct lookup *l, const char *cand, const unsigned int *crc,
		    const char *how, struct debug_file *df)
{
	char why[512];
	const char *bad;
	unsigned int got;
	struct stat st;
	Elf *dbg;
	int fd;

	fd = open(cand, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT && errno != ENOTDIR) {
			snprintf(why, sizeof(why), "cannot open it: %s", strerror(errno));
			refuse(l, cand, why);
		}
		return -ENOENT;
	}
	/* A debuglink that names the object itself (same inode) is no debug file. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (st.st_dev == l->at.dev && st.st_ino == l->at.ino)) {
		close(fd);
		return -ENOENT;
	}
	if (crc && !debug_file_crc32(fd, &got) && got != *crc) {
		snprintf(why, sizeof(why),
			 "its CRC32 %08x is not the %08x that .gnu_debuglink records", got, *crc);
		refuse(l, cand, why);
		close(fd);
		return -ENOENT;
	}
	dbg = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	bad = unusable(l, dbg, why, sizeof(why));
	if (bad) {
		refuse(l, cand, bad);
		if (dbg)
			elf_end(dbg);
		close(fd);
		return -ENOENT;
	}
	df->fd = fd;
	df->elf = dbg;
	df->how = how;
	snprintf(df->path, sizeof(df->path), "%s", cand);
	return 0;
}

static void looked(struct lookup *l, const char *what)
{
	size_t n = strlen(l->looked);

	snprintf(l->looked + n, sizeof(l->looked) - n, "%s%s", n ? "; " : "", what);
}

static int by_build_id(struct lookup *l, struct debug_file *df)
{
	char cand[PATH_MAX + 160];

	if (!l->build_id[0]) {
		looked(l, "it has no build-id");
		return -ENOENT;
	}
	/* Inside the process's root first (a container's own debug files), then ours. */
	if (l->at.root[0]) {
		snprintf(cand, sizeof(cand), "%s%s/.build-id/%.2s/%s.debug", l->at.root,
			 debug_root(), l->build_id, l->build_id + 2);
		if (!try_file(l, cand, NULL, "build-id", df))
			return 0;
	}
	snprintf(cand, sizeof(cand), "%s/.build-id/%.2s/%s.debug", debug_root(), l->build_id,
		 l->build_id + 2);
	looked(l, cand);
	return try_file(l, cand, NULL, "build-id", df);
}

/* .gnu_debuglink: a file name, NUL, padding to 4 bytes, then the file's CRC32. */
static int read_debuglink(Elf *elf, char *name, size_t len, unsigned int *crc)
{
	size_t shstrndx, n;
	Elf_Scn *scn = NULL;
	Elf_Data *data;
	GElf_Shdr sh;
	const char *s;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return -ENOENT;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		s = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!s || strcmp(s, ".gnu_debuglink"))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf)
			return -ENOENT;
		n = strnlen(data->d_buf, data->d_size);
		if (!n || n >= len || ((n + 4) & ~3UL) + 4 > data->d_size ||
		    strchr(data->d_buf, '/'))
			return -EINVAL;
		memcpy(name, data->d_buf, n + 1);
		/* In the object's byte order; libelf converted nothing in a PROGBITS section. */
		if (!gelf_xlatetom(elf,
				   &(Elf_Data){.d_buf = crc,
					       .d_type = ELF_T_WORD,
					       .d_size = 4,
					       .d_version = EV_CURRENT},
				   &(Elf_Data){.d_buf = (char *)data->d_buf + ((n + 4) & ~3UL),
					       .d_type = ELF_T_WORD,
					       .d_size = 4,
					       .d_version = EV_CURRENT},
				   elf_getident(elf, NULL)[EI_DATA]))
			return -EINVAL;
		return 0;
	}
	return -ENOENT;
}

/* PRE DIR SUB/NAME, when it fits in a path. */
static int try_linked(const struct lookup *l, const char *pre, const char *dir, const char *sub,
		      const char *name, const unsigned int *crc, struct debug_file *df)
{
	char cand[PATH_MAX];

	if (snprintf(cand, sizeof(cand), "%s%s%s/%s", pre, dir, sub, name) >= (int)sizeof(cand))
		return -ENOENT;
	return try_file(l, cand, crc, ".gnu_debuglink", df);
}

static int by_debuglink(struct lookup *l, struct debug_file *df)
{
	char name[NAME_MAX + 1], dir[PATH_MAX], pre[PATH_MAX], what[NAME_MAX + 128], *slash;
	unsigned int crc;
	int err = read_debuglink(l->obj, name, sizeof(name), &crc);

	if (err) {
		looked(l, err == -ENOENT ? "no .gnu_debuglink" : "an unreadable .gnu_debuglink");
		return -ENOENT;
	}
	snprintf(dir, sizeof(dir), "%s", l->at.file);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	/* Next to it, in .debug/ beside it, under the debug root (the process's, then ours). */
	if (!try_linked(l, l->at.root, dir, "", name, &crc, df) ||
	    !try_linked(l, l->at.root, dir, "/.debug", name, &crc, df))
		return 0;
	snprintf(pre, sizeof(pre), "%s%s", l->at.root, debug_root());
	if (l->at.root[0] && !try_linked(l, pre, dir, "", name, &crc, df))
		return 0;
	if (!try_linked(l, debug_root(), dir, "", name, &crc, df))
		return 0;
	snprintf(what, sizeof(what), "%s (next to it, in .debug/, under %s)", name, debug_root());
	looked(l, what);
	return -ENOENT;
}

struct debuginfod_wait {
	__u64 deadline;
	bool expired;
};

/* libdebuginfod calls this as the transfer goes; non-zero ends it. */
static int debuginfod_bound(debuginfod_client *c, long done, long total)
{
	struct debuginfod_wait *w = debuginfod_get_user_data(c);

	(void)done;
	(void)total;
	if (now_ns() > w->deadline)
		w->expired = true;
	return w->expired;
}

/*
 * A server that did not answer (or was not there) is not asked again in this
 * run: the symbolizer loads every object a process maps, and each would wait.
 */
static bool debuginfod_down;

static int by_debuginfod(struct lookup *l, struct debug_file *df)
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	struct debuginfod_wait w = {.deadline = now_ns() + DEBUGINFOD_WAIT_NS};
	debuginfod_client *c;
	char *path = NULL;
	int fd, err;

	if (!urls || !*urls) {
		looked(l, "DEBUGINFOD_URLS is not set");
		return -ENOENT;
	}
	if (!l->build_id[0])
		return -ENOENT;
	if (debuginfod_down) {
		looked(l, "debuginfod did not answer earlier");
		return -ENOENT;
	}
	c = debuginfod_begin();
	if (!c) {
		looked(l, "libdebuginfod did not start");
		return -ENOENT;
	}
	/* DEBUGINFOD_MAXTIME, when set, is libdebuginfod's own bound: no second one. */
	if (!getenv("DEBUGINFOD_MAXTIME")) {
		debuginfod_set_user_data(c, &w);
		debuginfod_set_progressfn(c, debuginfod_bound);
	}
	sonde_info("asking debuginfod (%s) for the debug file of %s (build-id %s)", urls,
		   l->at.file, l->build_id);
	fd = debuginfod_find_debuginfo(c, (const unsigned char *)l->build_id, 0, &path);
	debuginfod_end(c);
	if (fd < 0) {
		if (w.expired)
			sonde_info("debuginfod gave no answer within %llus (DEBUGINFOD_MAXTIME "
				   "sets how long to wait)",
				   DEBUGINFOD_WAIT_NS / 1000000000ULL);
		looked(l, fd == -ENOENT ? "debuginfod has none" : "debuginfod failed");
		if (fd != -ENOENT) {
			sonde_say("note: debuginfod (%s) failed for %s: %s; not asked again", urls,
				  l->at.file, w.expired ? "no answer in time" : strerror(-fd));
			debuginfod_down = true;
		}
		free(path);
		return -ENOENT;
	}
	close(fd);
	err = path ? try_file(l, path, NULL, "debuginfod", df) : -ENOENT;
	free(path);
	return err;
}

int debug_file_open(const char *path, Elf *obj, struct debug_file *df)
{
	struct lookup *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return -ENOMEM;
	memset(df, 0, sizeof(*df));
	df->fd = -1;
	l->obj = obj;
	place_object(path, &l->at);
	if (debug_file_build_id(obj, l->build_id, sizeof(l->build_id)))
		l->build_id[0] = '\0';
	err = by_build_id(l, df);
	if (err)
		err = by_debuglink(l, df);
	if (err)
		err = by_debuginfod(l, df);
	if (!err)
		sonde_info("symbols of %s from %s (%s)", l->at.file, df->path, df->how);
	else
		sonde_info("no debug file for %s, which is stripped (%s)", l->at.file, l->looked);
	free(l);
	return err;
}

void debug_file_close(struct debug_file *df)
{
	if (df->elf)
		elf_end(df->elf);
	if (df->fd >= 0)
		close(df->fd);
	df->elf = NULL;
	df->fd = -1;
}
