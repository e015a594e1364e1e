// SPDX-License-Identifier: GPL-2.0
/*
 * IFUNCs resolved as the process resolved them. The dynamic linker writes the
 * chosen implementation's address into GOT slots: the object's own
 * R_X86_64_IRELATIVE slots (its internal calls; the addend is the resolver),
 * and the JUMP_SLOT/GLOB_DAT slots of every object that imports the name.
 * Reading those slots in /proc/PID/mem gives the process's own choice. A lazy
 * PLT slot not yet called still points into its own object's PLT, not into
 * the provider: such slots are passed over. For a command not started yet
 * there is no GOT to read; when the object is the very file sonde itself
 * has loaded, sonde's dynamic linker made the same choice on the same CPU,
 * and dlsym() gives it.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "probe/ifunc.h"

#define PAGE_MASK_4K (~(__u64)0xfff)

struct slot {
	char *name;	  /* the symbol a JUMP_SLOT/GLOB_DAT slot is bound to; NULL: IRELATIVE */
	__u64 resolver;	  /* IRELATIVE: the addend, the resolver's address */
	__u64 impl;	  /* what the slot holds, as an address in the provider */
	const char *from; /* the object whose slot it is (file name) */
};

/* The provider as one process maps it, and the slots that point into it. */
struct view {
	pid_t pid;
	bool mapped;
	__u64 l_addr; /* load bias: address = l_addr + vaddr */
	__u64 lo, hi; /* the provider's mapped extent */
	struct slot *slots;
	size_t nr;
	char **names; /* object file names the slots came from, owned */
	size_t nr_names;
};

struct ifuncs {
	char path[PATH_MAX];
	dev_t dev;
	ino_t ino;
	struct view target, self;
	void *dl;      /* sonde's own copy: dlopen(RTLD_NOLOAD) */
	__u64 dl_base; /* its load bias */
	__u64 *noted;  /* implementations already said to be shared */
	size_t nr_noted;
};

struct mapping {
	__u64 start, end, pgoff;
	bool exec;
	dev_t dev;
	ino_t ino;
	char file[PATH_MAX];
};

static int for_each_mapping(pid_t pid, int (*fn)(const struct mapping *m, void *ctx), void *ctx)
{
	char maps[64], line[PATH_MAX + 128];
	struct mapping m;
	unsigned int maj, min;
	unsigned long long start, end, pgoff, ino;
	char perms[8];
	int n, err = 0;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	f = fopen(maps, "re");
	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f)) {
		n = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &pgoff,
			   &maj, &min, &ino, &n) < 7 ||
		    !ino || !n)
			continue;
		m.exec = strchr(perms, 'x') != NULL;
		m.start = start;
		m.end = end;
		m.pgoff = pgoff;
		m.dev = makedev(maj, min);
		m.ino = (ino_t)ino;
		snprintf(m.file, sizeof(m.file), "%s", line + n);
		m.file[strcspn(m.file, "\n")] = '\0';
		err = fn(&m, ctx);
	}
	fclose(f);
	return err;
}

/* The load bias of an object from one of its mappings: the PT_LOAD it maps. */
static int load_bias(Elf *elf, const struct mapping *m, __u64 *l_addr)
{
	size_t n, i;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return -ENOEXEC;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if ((ph.p_offset & PAGE_MASK_4K) == m->pgoff) {
			*l_addr = m->start - (ph.p_vaddr & PAGE_MASK_4K);
			return 0;
		}
	}
	return -ENOENT;
}

static int read_slot(int mem, __u64 addr, __u64 *value)
{
	return pread(mem, value, sizeof(*value), (off_t)addr) == sizeof(*value) ? 0 : -EIO;
}

struct scan {
	struct view *v;
	const struct ifuncs *f;
	int mem;
	dev_t seen_dev[256];
	ino_t seen_ino[256];
	size_t nr_seen;
	int err;
};

static int add_slot(struct view *v, const char *name, __u64 resolver, __u64 impl, const char *from)
{
	struct slot *s = realloc(v->slots, (v->nr + 1) * sizeof(*s));

	if (!s)
		return -ENOMEM;
	v->slots = s;
	s = &v->slots[v->nr];
	s->name = name ? strdup(name) : NULL;
	if (name && !s->name)
		return -ENOMEM;
	s->resolver = resolver;
	s->impl = impl;
	s->from = from;
	v->nr++;
	return 0;
}

/* The slots of one object (mapped at l_addr) that point into the provider. */
static int scan_relocs(struct scan *sc, Elf *elf, __u64 l_addr, bool provider, const char *from)
{
	struct view *v = sc->v;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh, symsh;
	int err = 0;

	while ((scn = elf_nextscn(elf, scn)) && !err) {
		Elf_Data *rel, *syms = NULL;
		Elf_Scn *symscn;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize)
			continue;
		rel = elf_getdata(scn, NULL);
		symscn = elf_getscn(elf, sh.sh_link);
		if (symscn && gelf_getshdr(symscn, &symsh) && symsh.sh_type == SHT_DYNSYM)
			syms = elf_getdata(symscn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; rel && i < n && !err; i++) {
			const char *name = NULL;
			GElf_Rela r;
			GElf_Sym es;
			__u64 value;
			int type;

			if (!gelf_getrela(rel, (int)i, &r))
				continue;
			type = (int)GELF_R_TYPE(r.r_info);
			if (type == R_X86_64_IRELATIVE) {
				if (!provider)
					continue;
			} else if (type == R_X86_64_JUMP_SLOT || type == R_X86_64_GLOB_DAT ||
				   type == R_X86_64_64) {
				if (!syms || !gelf_getsym(syms, (int)GELF_R_SYM(r.r_info), &es))
					continue;
				name = elf_strptr(elf, symsh.sh_link, es.st_name);
				if (!name || !*name)
					continue;
			} else {
				continue;
			}
			if (read_slot(sc->mem, l_addr + r.r_offset, &value))
				continue;
			/* Still lazy (its own PLT), or bound elsewhere: not the provider's. */
			if (value < v->lo || value >= v->hi)
				continue;
			err = add_slot(v, name, type == R_X86_64_IRELATIVE ? (__u64)r.r_addend : 0,
				       value - v->l_addr, from);
		}
	}
	return err;
}

static const char *keep_name(struct view *v, const char *file)
{
	const char *base = strrchr(file, '/');
	char **names = realloc(v->names, (v->nr_names + 1) * sizeof(*names));

	if (!names)
		return NULL;
	v->names = names;
	names[v->nr_names] = strdup(base ? base + 1 : file);
	return names[v->nr_names] ? names[v->nr_names++] : NULL;
}

/*
 * Each object of the process once, read through /proc/PID/map_files
 * (containers, deleted files), found by its code mapping: the process may
 * have the same file mapped as data too (sonde itself maps the objects it
 * reads), which says nothing of where the loader put it.
 */
static int scan_object(const struct mapping *m, void *ctx)
{
	struct scan *sc = ctx;
	struct view *v = sc->v;
	char path[96];
	const char *from;
	__u64 l_addr;
	size_t i;
	Elf *elf;
	int fd, err = 0;

	if (!m->exec)
		return 0;
	for (i = 0; i < sc->nr_seen; i++)
		if (sc->seen_dev[i] == m->dev && sc->seen_ino[i] == m->ino)
			return 0;
	if (sc->nr_seen == sizeof(sc->seen_dev) / sizeof(sc->seen_dev[0]))
		return 0;
	sc->seen_dev[sc->nr_seen] = m->dev;
	sc->seen_ino[sc->nr_seen++] = m->ino;
	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", v->pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF && !load_bias(elf, m, &l_addr)) {
		from = keep_name(v, m->file);
		err = from ? scan_relocs(sc, elf, l_addr,
					 m->dev == sc->f->dev && m->ino == sc->f->ino, from)
			   : -ENOMEM;
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

/* Where the provider's code is mapped in the process: its bias and extent. */
static int find_provider(const struct mapping *m, void *ctx)
{
	struct scan *sc = ctx;
	struct view *v = sc->v;
	char path[96];
	Elf *elf;
	int fd;

	if (!m->exec || m->dev != sc->f->dev || m->ino != sc->f->ino)
		return 0;
	if (!v->mapped) {
		snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", v->pid,
			 (unsigned long long)m->start, (unsigned long long)m->end);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 0;
		elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
		if (elf && elf_kind(elf) == ELF_K_ELF && !load_bias(elf, m, &v->l_addr)) {
			v->mapped = true;
			v->lo = m->start;
			v->hi = m->end;
		}
		if (elf)
			elf_end(elf);
		close(fd);
		return 0;
	}
	if (m->start < v->lo)
		v->lo = m->start;
	if (m->end > v->hi)
		v->hi = m->end;
	return 0;
}

static int view_load(struct ifuncs *f, struct view *v, pid_t pid)
{
	struct scan *sc = calloc(1, sizeof(*sc));
	char mem[64];
	int err;

	if (!sc)
		return -ENOMEM;
	v->pid = pid;
	sc->v = v;
	sc->f = f;
	err = for_each_mapping(pid, find_provider, sc);
	if (!err && v->mapped) {
		snprintf(mem, sizeof(mem), "/proc/%d/mem", pid);
		sc->mem = open(mem, O_RDONLY | O_CLOEXEC);
		if (sc->mem >= 0) {
			err = for_each_mapping(pid, scan_object, sc);
			close(sc->mem);
		}
	}
	free(sc);
	/* A process that went away or cannot be read resolves nothing; only ENOMEM is an error. */
	return err == -ENOMEM ? err : 0;
}

static void view_free(struct view *v)
{
	size_t i;

	for (i = 0; i < v->nr; i++)
		free(v->slots[i].name);
	free(v->slots);
	for (i = 0; i < v->nr_names; i++)
		free(v->names[i]);
	free(v->names);
}

/* sonde's own copy of the provider, if it has one loaded: the same file. */
static int find_own_copy(struct dl_phdr_info *info, size_t size, void *ctx)
{
	struct ifuncs *f = ctx;
	struct stat st;

	(void)size;
	if (!info->dlpi_name || !info->dlpi_name[0] || stat(info->dlpi_name, &st) ||
	    st.st_dev != f->dev || st.st_ino != f->ino)
		return 0;
	f->dl = dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
	f->dl_base = info->dlpi_addr;
	return 1;
}

struct ifuncs *ifuncs__load(const char *path, pid_t pid, int *err)
{
	struct ifuncs *f = calloc(1, sizeof(*f));
	struct stat st;

	*err = 0;
	if (!f) {
		*err = -ENOMEM;
		return NULL;
	}
	snprintf(f->path, sizeof(f->path), "%s", path);
	if (elf_version(EV_CURRENT) == EV_NONE || stat(path, &st))
		return f;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	if (pid > 0 && pid != getpid())
		*err = view_load(f, &f->target, pid);
	dl_iterate_phdr(find_own_copy, f);
	if (!*err && f->dl)
		*err = view_load(f, &f->self, getpid());
	if (*err) {
		ifuncs__free(f);
		return NULL;
	}
	return f;
}

void ifuncs__free(struct ifuncs *f)
{
	if (!f)
		return;
	view_free(&f->target);
	view_free(&f->self);
	if (f->dl)
		dlclose(f->dl);
	free(f->noted);
	free(f);
}

bool ifuncs__first_note(struct ifuncs *f, __u64 impl_vaddr)
{
	__u64 *v;
	size_t i;

	for (i = 0; i < f->nr_noted; i++)
		if (f->noted[i] == impl_vaddr)
			return false;
	v = realloc(f->noted, (f->nr_noted + 1) * sizeof(*v));
	if (v) {
		f->noted = v;
		f->noted[f->nr_noted++] = impl_vaddr;
	}
	return true;
}

static bool from_view(const struct view *v, const char *name, __u64 resolver,
		      bool (*usable)(void *, __u64), void *ctx, const char *whose,
		      struct ifunc_impl *out)
{
	size_t i;
	int pass;

	/* The provider's own IRELATIVE slots first: tied to the resolver, not to a name. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < v->nr; i++) {
			const struct slot *s = &v->slots[i];

			if (pass == 0 ? s->name || s->resolver != resolver
				      : !s->name || strcmp(s->name, name))
				continue;
			if (!usable(ctx, s->impl))
				continue;
			out->vaddr = s->impl;
			snprintf(out->how, sizeof(out->how), "%s GOT of %s", whose, s->from);
			return true;
		}
	}
	return false;
}

int ifuncs__resolve(struct ifuncs *f, const char *name, __u64 resolver_vaddr,
		    bool (*usable)(void *ctx, __u64 vaddr), void *ctx, struct ifunc_impl *out,
		    char *why, size_t len)
{
	bool outside = false;
	char whose[32];
	__u64 vaddr;
	void *addr;

	snprintf(whose, sizeof(whose), "PID %d's", f->target.pid);
	if (f->target.mapped &&
	    from_view(&f->target, name, resolver_vaddr, usable, ctx, whose, out))
		return 0;
	/* sonde's own dynamic linker chose for this CPU, as the target's does. */
	if (f->dl) {
		addr = dlsym(f->dl, name);
		vaddr = (__u64)(uintptr_t)addr - f->dl_base;
		if (addr && (__u64)(uintptr_t)addr >= f->dl_base && usable(ctx, vaddr)) {
			out->vaddr = vaddr;
			snprintf(out->how, sizeof(out->how),
				 "sonde's own copy of the library, by dlsym()");
			return 0;
		}
		outside = addr != NULL;
		if (from_view(&f->self, name, resolver_vaddr, usable, ctx, "sonde's own", out))
			return 0;
	}
	if (outside)
		snprintf(why, len,
			 "it resolves to code outside this file (the vDSO, or another library), "
			 "where a probe on the file cannot go");
	else if (f->target.mapped)
		snprintf(why, len, "no GOT slot of PID %d points to its implementation%s",
			 f->target.pid,
			 f->dl ? ", nor does sonde's own copy of the library resolve it"
			       : ", and it is not the library sonde itself loaded");
	else if (f->dl)
		snprintf(why, len,
			 "sonde's own copy of the library does not resolve it, and no running "
			 "target's GOT says (try -p PID)");
	else
		snprintf(why, len,
			 "no running target maps it yet (its GOT says which implementation it "
			 "uses), and it is not the library sonde itself loaded");
	return -ENOENT;
}
