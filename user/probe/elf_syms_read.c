// SPDX-License-Identifier: GPL-2.0
/*
 * The tables an ELF object lists its functions in, read into a struct syms
 * (elf_syms_priv.h): .symtab and .dynsym, a separate debug file's .symtab, a
 * stripped Go program's .gopclntab, the version marks of .gnu.version, and
 * what runtime the code needs (its sections, imports and DT_NEEDED).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "probe/debug_file.h"
#include "probe/demangle.h"
#include "probe/elf_syms_priv.h"
#include "probe/go_pclntab.h"

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

/* "malloc@@GLIBC_2.2.5" -> "malloc"; only .symtab spells versions this way. */
static char *name_without_version(const char *name)
{
	const char *at = strchr(name, '@');

	return at && at != name ? strndup(name, at - name) : strdup(name);
}

int syms_read_segments(Elf *elf, struct load_seg **out, size_t *nr_out)
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
int syms_read_go_functions(struct syms *s, Elf *elf, const struct load_seg *segs, size_t nr_segs)
{
	struct go_ctx c = {.s = s, .segs = segs, .nr_segs = nr_segs};
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

/*
 * Stripped: the .symtab of its separate debug file (debug_file.h), whose
 * symbols are at the object's addresses; the object's own segments map them
 * to the file offsets probes go to. None found leaves the object stripped.
 */
int syms_read_debug_symtab(struct syms *s, const char *path, Elf *elf, const struct load_seg *segs,
			   size_t nr_segs)
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
void syms_mark_compat_versions(struct syms *s, Elf *elf)
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

int syms_read_tables(struct syms *s, Elf *elf, const struct load_seg *segs, size_t nr_segs)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;
	int ret;

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
			return ret;
	}
	return 0;
}
