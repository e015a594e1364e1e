// SPDX-License-Identifier: GPL-2.0
/*
 * Defined function symbols of an ELF object, from .symtab and .dynsym, with
 * the file offset of each (what uprobes attach to): the PT_LOAD segment that
 * holds st_value maps it to the file, so PIE and shared objects need no
 * load address. A stripped Go program still lists every function in its
 * .gopclntab (user/probe/go_pclntab.c): read when there is no .symtab.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "probe/debug_file.h"
#include "probe/demangle.h"
#include "probe/elf_syms.h"
#include "probe/go_pclntab.h"

struct load_seg {
	__u64 vaddr, filesz, offset;
};

struct syms {
	struct sym *v;
	size_t nr, cap;
	enum syms_source source;
	char go_error[160];    /* why a stripped Go program's .gopclntab was not read */
	struct load_seg *segs; /* PT_LOAD segments, to map file offsets back */
	size_t nr_segs;
	unsigned int runtime; /* enum syms_runtime */
	const struct sym **cold; /* cold parts, by the name of their function */
	size_t nr_cold;
	char *debug_file; /* the separate debug file the .symtab came from, or NULL */
};

/* Symbols that say what runtime the code belongs to, defined or imported. */
static unsigned int runtime_of_symbol(const char *name)
{
	if (!strcmp(name, "__cxa_throw") || !strcmp(name, "_Unwind_RaiseException"))
		return SYMS_RT_UNWINDS;
	if (!strncmp(name, "_ZN2v88internal", 15) || !strcmp(name, "JNI_CreateJavaVM"))
		return SYMS_RT_JIT;
	return 0;
}

static unsigned int runtime_of_section(const char *name)
{
	if (!strcmp(name, ".gopclntab") || !strcmp(name, ".data.rel.ro.gopclntab") ||
	    !strcmp(name, ".go.buildinfo"))
		return SYMS_RT_GO;
	return 0;
}

/*
 * C++ exceptions can unwind through code that needs the C++ runtime: its
 * DT_NEEDED names libstdc++ or libc++. Not .gcc_except_table, which C code
 * built with -fexceptions has too (glibc: for thread cancellation), and
 * whose functions would then all pay for single-stepped ret probes.
 */
static unsigned int runtime_of_dynamic(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	unsigned int rt = 0;
	const char *needed;
	GElf_Dyn dyn;
	size_t i;

	for (i = 0; data && sh->sh_entsize && i < sh->sh_size / sh->sh_entsize; i++) {
		if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag != DT_NEEDED)
			continue;
		needed = elf_strptr(elf, sh->sh_link, dyn.d_un.d_val);
		if (needed && (!strncmp(needed, "libstdc++", 9) || !strncmp(needed, "libc++", 6)))
			rt |= SYMS_RT_UNWINDS;
	}
	return rt;
}

static int sym_cmp_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int vaddr_to_offset(const struct load_seg *segs, size_t nr, __u64 vaddr, __u64 *off)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (vaddr >= segs[i].vaddr && vaddr < segs[i].vaddr + segs[i].filesz) {
			*off = vaddr - segs[i].vaddr + segs[i].offset;
			return 0;
		}
	}
	return -ENOENT;
}

static struct sym *syms_push(struct syms *s)
{
	if (s->nr == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct sym *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	memset(&s->v[s->nr], 0, sizeof(s->v[0]));
	return &s->v[s->nr++];
}

/* "malloc@@GLIBC_2.2.5" -> "malloc"; only .symtab spells versions this way. */
static char *name_without_version(const char *name)
{
	const char *at = strchr(name, '@');

	return at && at != name ? strndup(name, at - name) : strdup(name);
}

static int read_segments(Elf *elf, struct load_seg **out, size_t *nr_out)
{
	struct load_seg *segs;
	size_t phnum, i, n = 0;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &phnum))
		return -ENOEXEC;
	segs = calloc(phnum ? phnum : 1, sizeof(*segs));
	if (!segs)
		return -ENOMEM;
	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		segs[n].vaddr = ph.p_vaddr;
		segs[n].filesz = ph.p_filesz;
		segs[n].offset = ph.p_offset;
		n++;
	}
	*out = segs;
	*nr_out = n;
	return 0;
}

static int read_symtab(struct syms *s, Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
		       const struct load_seg *segs, size_t nr_segs)
{
	bool dynamic = sh->sh_type == SHT_DYNSYM;
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, n;

	if (!data || !sh->sh_entsize)
		return 0;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < n; i++) {
		const char *raw;
		int type;
		struct sym *sym;
		GElf_Sym es;
		__u64 off;

		if (!gelf_getsym(data, (int)i, &es))
			continue;
		type = GELF_ST_TYPE(es.st_info);
		if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_NOTYPE)
			continue;
		raw = elf_strptr(elf, sh->sh_link, es.st_name);
		if (!raw || !*raw)
			continue;
		/* Imports have no type or size, but say what the code calls. */
		s->runtime |= runtime_of_symbol(raw);
		if (type == STT_NOTYPE || es.st_shndx == SHN_UNDEF)
			continue;
		if (vaddr_to_offset(segs, nr_segs, es.st_value, &off))
			continue;
		sym = syms_push(s);
		if (!sym)
			return -ENOMEM;
		sym->name = name_without_version(raw);
		if (!sym->name)
			return -ENOMEM;
		sym->vaddr = es.st_value;
		sym->offset = off;
		sym->size = es.st_size;
		sym->bind = GELF_ST_BIND(es.st_info);
		sym->ifunc = type == STT_GNU_IFUNC;
		sym->dynamic = dynamic;
		sym->demangled = demangle(sym->name);
	}
	return 0;
}

struct go_ctx {
	struct syms *s;
	const struct load_seg *segs;
	size_t nr_segs;
};

/* A Go function as .symtab would list it: global, in the executable, not demangled. */
static int add_go_func(const struct go_func *fn, void *arg)
{
	struct go_ctx *c = arg;
	struct sym *sym;
	__u64 off;

	if (vaddr_to_offset(c->segs, c->nr_segs, fn->entry, &off))
		return 0;
	sym = syms_push(c->s);
	if (!sym)
		return -ENOMEM;
	sym->name = strdup(fn->name);
	if (!sym->name)
		return -ENOMEM;
	sym->vaddr = fn->entry;
	sym->offset = off;
	sym->size = fn->size;
	sym->bind = STB_GLOBAL;
	return 0;
}

/*
 * No .symtab: a Go program's functions from its .gopclntab. A table that cannot
 * be read leaves the object as stripped, with the reason kept for the error.
 */
static int read_go_functions(struct syms *s, Elf *elf, const struct load_seg *segs, size_t nr_segs)
{
	struct go_ctx c = { .s = s, .segs = segs, .nr_segs = nr_segs };
	size_t before = s->nr;
	int err = go_pclntab_read(elf, add_go_func, &c, s->go_error, sizeof(s->go_error));

	if (!err) {
		s->source = SYMS_SRC_GOPCLNTAB;
		return 0;
	}
	/* The table is checked before the walk: only ENOMEM stops it part-way. Undo that. */
	while (s->nr > before)
		free((char *)s->v[--s->nr].name);
	if (err == -ENOMEM)
		return err;
	if (err == -ENOENT)
		s->go_error[0] = '\0';
	return 0;
}

/* A function in both tables keeps one entry, marked dynamic only if it was nowhere else. */
static void drop_duplicates(struct syms *s)
{
	size_t i, out = 0;

	if (s->nr < 2)
		return;
	qsort(s->v, s->nr, sizeof(*s->v), sym_cmp_addr);
	for (i = 0; i < s->nr; i++) {
		struct sym *prev = out ? &s->v[out - 1] : NULL;

		if (prev && prev->vaddr == s->v[i].vaddr && !strcmp(prev->name, s->v[i].name)) {
			prev->dynamic = prev->dynamic && s->v[i].dynamic;
			if (!prev->size)
				prev->size = s->v[i].size;
			free((char *)s->v[i].name);
			free((char *)s->v[i].demangled);
			continue;
		}
		s->v[out++] = s->v[i];
	}
	s->nr = out;
}

size_t syms_cold_parent_len(const char *name)
{
	const char *p = NULL, *q;

	for (q = strstr(name, ".cold"); q; q = strstr(q + 1, ".cold"))
		p = q;
	if (!p || p == name)
		return 0;
	q = p + 5;
	if (*q == '.')
		for (q++; *q >= '0' && *q <= '9'; q++)
			;
	return *q ? 0 : (size_t)(p - name);
}

static int cold_cmp(const void *a, const void *b)
{
	const struct sym *x = *(const struct sym *const *)a, *y = *(const struct sym *const *)b;
	size_t nx = syms_cold_parent_len(x->name), ny = syms_cold_parent_len(y->name);
	int c = strncmp(x->name, y->name, nx < ny ? nx : ny);

	return c ? c : (nx > ny) - (nx < ny);
}

static int index_cold_parts(struct syms *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		if (!syms_cold_parent_len(s->v[i].name))
			continue;
		if (!(s->nr_cold & (s->nr_cold + 1))) {
			const struct sym **v = realloc(s->cold, (s->nr_cold * 2 + 1) * sizeof(*v));

			if (!v)
				return -ENOMEM;
			s->cold = v;
		}
		s->cold[s->nr_cold++] = &s->v[i];
	}
	qsort(s->cold, s->nr_cold, sizeof(*s->cold), cold_cmp);
	return 0;
}

const struct sym *syms__cold_part(const struct syms *s, const struct sym *fn)
{
	size_t lo = 0, hi = s->nr_cold, n = strlen(fn->name);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, m = syms_cold_parent_len(s->cold[mid]->name);
		int c = strncmp(s->cold[mid]->name, fn->name, m < n ? m : n);

		if (!c)
			c = (m > n) - (m < n);
		if (!c)
			return s->cold[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Stripped: the .symtab of its separate debug file (debug_file.h), whose
 * symbols are at the object's addresses; the object's own segments map them
 * to the file offsets probes go to. None found leaves the object stripped.
 */
static int read_debug_symtab(struct syms *s, const char *path, Elf *elf,
			     const struct load_seg *segs, size_t nr_segs)
{
	struct debug_file df;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int err = debug_file_open(path, elf, &df);

	if (err)
		return err == -ENOMEM ? err : 0;
	while ((scn = elf_nextscn(df.elf, scn)) && !err) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		err = read_symtab(s, df.elf, scn, &sh, segs, nr_segs);
		s->source = SYMS_SRC_SYMTAB;
	}
	if (!err) {
		s->debug_file = strdup(df.path);
		err = s->debug_file ? 0 : -ENOMEM;
	}
	debug_file_close(&df);
	return err;
}

/* The entries named `name` at vaddr (sorted by address and name) get compat = value. */
static void set_compat(struct syms *s, __u64 vaddr, const char *name, bool value)
{
	size_t lo = 0, hi = s->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid].vaddr < vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->nr && s->v[lo].vaddr == vaddr; lo++)
		if (!strcmp(s->v[lo].name, name))
			s->v[lo].compat = value;
}

/*
 * Old versions kept for programs linked against an older library
 * ("memcpy@GLIBC_2.2.5" next to the "memcpy@@GLIBC_2.14" new programs call):
 * hidden in .gnu.version (VERSYM_HIDDEN). Both are named "memcpy" here; the
 * old one is marked, so that a glob does not trace it in memcpy's place. A
 * default version at the same address (an alias) keeps the entry unmarked.
 */
static void mark_compat_versions(struct syms *s, Elf *elf)
{
	Elf_Data *syms = NULL, *versym = NULL;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh, dynsym = {0};
	int pass, i, n;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_DYNSYM) {
			syms = elf_getdata(scn, NULL);
			dynsym = sh;
		} else if (sh.sh_type == SHT_GNU_versym) {
			versym = elf_getdata(scn, NULL);
		}
	}
	if (!syms || !versym || !dynsym.sh_entsize)
		return;
	n = (int)(dynsym.sh_size / dynsym.sh_entsize);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			GElf_Versym ver;
			GElf_Sym es;
			const char *name;
			bool hidden;

			if (!gelf_getsym(syms, i, &es) || !gelf_getversym(versym, i, &ver) ||
			    es.st_shndx == SHN_UNDEF)
				continue;
			hidden = ver & 0x8000; /* VERSYM_HIDDEN */
			name = elf_strptr(elf, dynsym.sh_link, es.st_name);
			if (name && hidden == !pass)
				set_compat(s, es.st_value, name, hidden);
		}
	}
}

/* A truncated file would read as one without sections or segments: refuse it. */
static int check_extent(Elf *elf, int fd)
{
	GElf_Ehdr eh;
	struct stat st;

	if (!gelf_getehdr(elf, &eh) || fstat(fd, &st))
		return -ENOEXEC;
	if (eh.e_shoff + (__u64)eh.e_shnum * eh.e_shentsize > (__u64)st.st_size ||
	    eh.e_phoff + (__u64)eh.e_phnum * eh.e_phentsize > (__u64)st.st_size)
		return -ENOEXEC;
	return 0;
}

struct syms *syms__load(const char *path, int *err)
{
	struct load_seg *segs = NULL;
	struct syms *s = NULL;
	Elf_Scn *scn = NULL;
	size_t nr_segs = 0, shstrndx;
	Elf *elf = NULL;
	GElf_Shdr sh;
	int fd, ret;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		*err = -ENOEXEC;
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		ret = -ENOEXEC;
		goto cleanup;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		ret = -ENOMEM;
		goto cleanup;
	}
	ret = check_extent(elf, fd);
	if (ret)
		goto cleanup;
	ret = read_segments(elf, &segs, &nr_segs);
	if (ret)
		goto cleanup;
	if (elf_getshdrstrndx(elf, &shstrndx))
		shstrndx = 0;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *scn_name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		scn_name = shstrndx ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;
		if (scn_name)
			s->runtime |= runtime_of_section(scn_name);
		if (sh.sh_type == SHT_DYNAMIC)
			s->runtime |= runtime_of_dynamic(elf, scn, &sh);
		if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM)
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			s->source = SYMS_SRC_SYMTAB;
		ret = read_symtab(s, elf, scn, &sh, segs, nr_segs);
		if (ret)
			goto cleanup;
	}
	if (s->source == SYMS_SRC_DYNSYM) {
		ret = read_debug_symtab(s, path, elf, segs, nr_segs);
		if (ret)
			goto cleanup;
	}
	if (s->source == SYMS_SRC_DYNSYM && (s->runtime & SYMS_RT_GO)) {
		ret = read_go_functions(s, elf, segs, nr_segs);
		if (ret)
			goto cleanup;
	}
	drop_duplicates(s);
	mark_compat_versions(s, elf);
	ret = index_cold_parts(s);
	if (ret)
		goto cleanup;
	s->segs = segs;
	s->nr_segs = nr_segs;
	segs = NULL;
	ret = 0;
cleanup:
	free(segs);
	if (elf)
		elf_end(elf);
	close(fd);
	if (ret) {
		syms__free(s);
		*err = ret;
		return NULL;
	}
	*err = 0;
	return s;
}

void syms__free(struct syms *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nr; i++) {
		free((char *)s->v[i].name);
		free((char *)s->v[i].demangled);
	}
	free(s->v);
	free(s->segs);
	free(s->cold);
	free(s->debug_file);
	free(s);
}

size_t syms__count(const struct syms *s)
{
	return s->nr;
}

const struct sym *syms__get(const struct syms *s, size_t i)
{
	return i < s->nr ? &s->v[i] : NULL;
}

unsigned int syms__runtime(const struct syms *s)
{
	return s->runtime;
}

bool syms__has_symtab(const struct syms *s)
{
	return s->source != SYMS_SRC_DYNSYM;
}

enum syms_source syms__source(const struct syms *s)
{
	return s->source;
}

const char *syms__debug_file(const struct syms *s)
{
	return s->debug_file;
}

const char *syms__go_error(const struct syms *s)
{
	return s->go_error[0] ? s->go_error : NULL;
}

const struct sym *syms__find_addr(const struct syms *s, __u64 vaddr)
{
	size_t lo = 0, hi = s->nr;
	const struct sym *best = NULL;

	/* Last symbol starting at or below vaddr, then check its extent. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid].vaddr <= vaddr) {
			best = &s->v[mid];
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (!best)
		return NULL;
	if (vaddr >= best->vaddr + (best->size ? best->size : 1))
		return NULL;
	return best;
}

const struct sym *syms__find_offset(const struct syms *s, __u64 offset)
{
	size_t i;

	for (i = 0; i < s->nr_segs; i++) {
		const struct load_seg *seg = &s->segs[i];

		if (offset >= seg->offset && offset < seg->offset + seg->filesz)
			return syms__find_addr(s, offset - seg->offset + seg->vaddr);
	}
	return NULL;
}

int elf_build_id(const char *path, char *hex, size_t len)
{
	Elf *elf;
	int fd, err;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	err = elf && elf_kind(elf) == ELF_K_ELF ? debug_file_build_id(elf, hex, len) : -ENOEXEC;
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}
