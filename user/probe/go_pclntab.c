// SPDX-License-Identifier: GPL-2.0
/*
 * Go's function table, as the runtime reads it (runtime/symtab.go) and as
 * debug/gosym does. The layout, by header magic:
 *
 *   0xfffffffb (Go 1.2-1.15)  magic, 0, 0, pc quantum, pointer size; nfunc
 *                             (a word); then the functab. Every offset is from
 *                             the start of the table.
 *   0xfffffffa (Go 1.16/1.17) the same first 8 bytes, then words: nfunc,
 *                             nfiles, and the offsets of funcnametab, cutab,
 *                             filetab, pctab and the functab.
 *   0xfffffff0 (Go 1.18/1.19) as 1.16, with textStart after nfiles; function
 *   0xfffffff1 (Go 1.20+)     entries are 32-bit offsets from textStart.
 *
 * The functab is nfunc pairs {entry, offset of the function's _func record},
 * then the end of the last function; fields are words before 1.18 and 32 bits
 * since. A _func record starts with the entry again, then int32 fields:
 * nameOff (into funcnametab), args, deferreturn, pcsp (into pctab), ...
 *
 * A function's code ends where its pcsp table (stack-pointer deltas by pc)
 * ends: .symtab's size, without the alignment padding up to the next entry.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <gelf.h>
#include "probe/go_pclntab.h"

#define GO_MAGIC_12  0xfffffffbU
#define GO_MAGIC_116 0xfffffffaU
#define GO_MAGIC_118 0xfffffff0U
#define GO_MAGIC_120 0xfffffff1U

enum go_version { GO_12, GO_116, GO_118 }; /* 1.20 reads as 1.18 here */

struct pcln {
	const unsigned char *p;
	size_t size;
	enum go_version version;
	unsigned int ptrsize, quantum;
	unsigned int field;  /* bytes per functab field */
	unsigned int entry0; /* bytes of _func's first field, the entry */
	__u64 nfunc, text_start;
	__u64 funcnametab, pctab, functab, funcdata; /* offsets into p */
	__u64 text_lo, text_hi;
	char *why;
	size_t why_len;
};

static int bad(struct pcln *t, int err, const char *fmt, ...)
{
	va_list ap;

	if (t->why && t->why_len) {
		va_start(ap, fmt);
		vsnprintf(t->why, t->why_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

static bool has(const struct pcln *t, __u64 off, __u64 n)
{
	return off <= t->size && n <= t->size - off;
}

/* Little-endian, width 4 or 8; the caller checked has(off, width). */
static __u64 get(const struct pcln *t, __u64 off, unsigned int width)
{
	__u64 v = 0;
	unsigned int i;

	for (i = 0; i < width; i++)
		v |= (__u64)t->p[off + i] << (8 * i);
	return v;
}

/* Go's readvarint: at most 5 bytes for a uint32. */
static bool get_uvarint(const struct pcln *t, __u64 *off, __u32 *out)
{
	__u32 v = 0;
	unsigned int shift;

	for (shift = 0; shift < 35; shift += 7) {
		unsigned char b;

		if (*off >= t->size)
			return false;
		b = t->p[(*off)++];
		v |= (__u32)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

static int header_version(struct pcln *t)
{
	__u32 magic;

	if (t->size < 8)
		return bad(t, -EINVAL, "%zu bytes, shorter than its header", t->size);
	magic = (__u32)get(t, 0, 4);
	switch (magic) {
	case GO_MAGIC_12:
		t->version = GO_12;
		return 0;
	case GO_MAGIC_116:
		t->version = GO_116;
		return 0;
	case GO_MAGIC_118:
	case GO_MAGIC_120:
		t->version = GO_118;
		return 0;
	}
	if (magic == 0xfbffffffU || magic == 0xfaffffffU || magic == 0xf0ffffffU ||
	    magic == 0xf1ffffffU)
		return bad(t, -ENOTSUP, "a big-endian table");
	return bad(t, -ENOTSUP, "an unknown format (magic 0x%08x)", magic);
}

static int read_header(struct pcln *t, const struct go_text *text)
{
	unsigned int words;
	__u64 w[8], i, per_func;
	int err = header_version(t);

	if (err)
		return err;
	t->quantum = t->p[6];
	t->ptrsize = t->p[7];
	if (t->p[4] || t->p[5] || (t->quantum != 1 && t->quantum != 2 && t->quantum != 4) ||
	    (t->ptrsize != 4 && t->ptrsize != 8))
		return bad(t, -EINVAL, "a bad header (pc quantum %u, pointer size %u)", t->quantum,
			   t->ptrsize);
	words = t->version == GO_118 ? 8 : t->version == GO_116 ? 7 : 1;
	if (!has(t, 8, (__u64)words * t->ptrsize))
		return bad(t, -EINVAL, "%zu bytes, shorter than its header", t->size);
	for (i = 0; i < words; i++)
		w[i] = get(t, 8 + i * t->ptrsize, t->ptrsize);
	t->nfunc = w[0];
	t->field = t->version == GO_118 ? 4 : t->ptrsize;
	t->entry0 = t->version == GO_118 ? 4 : t->ptrsize;
	if (t->version == GO_118) {
		/* 0 in the file when a dynamic relocation fills it: then .text's start. */
		t->text_start = w[2] ? w[2] : text->addr;
		t->funcnametab = w[3];
		t->pctab = w[6];
		t->functab = w[7];
	} else if (t->version == GO_116) {
		t->funcnametab = w[2];
		t->pctab = w[5];
		t->functab = w[6];
	} else {
		t->functab = 8 + t->ptrsize;
	}
	/* _func records: from the functab since 1.16, from the table's start before. */
	t->funcdata = t->version == GO_12 ? 0 : t->functab;
	if (!has(t, t->funcnametab, 0) || !has(t, t->pctab, 0) || !has(t, t->functab, 0))
		return bad(t, -EINVAL, "a header offset past its end (%zu bytes)", t->size);
	/* nfunc pairs and the end entry, without overflowing. */
	per_func = 2 * (__u64)t->field;
	if (!t->nfunc || !has(t, t->functab, t->field) ||
	    t->nfunc > (t->size - t->functab - t->field) / per_func)
		return bad(t, -EINVAL, "%llu functions, which its %zu bytes cannot hold",
			   (unsigned long long)t->nfunc, t->size);
	t->text_lo = text->addr;
	t->text_hi = text->size > UINT64_MAX - text->addr ? UINT64_MAX : text->addr + text->size;
	return 0;
}

/* Entry i of the functab (i == nfunc: the end of the last function), as a vaddr. */
static __u64 functab_pc(const struct pcln *t, __u64 i)
{
	__u64 pc = get(t, t->functab + 2 * i * t->field, t->field);

	return t->version == GO_118 ? pc + t->text_start : pc;
}

/*
 * The bytes the pcsp table at off covers: pc deltas up to its terminating 0.
 * Each step covers at least one byte of a function of at most limit bytes,
 * which bounds the work on a corrupt table.
 */
static bool pcsp_extent(const struct pcln *t, __u64 off, __u64 limit, __u64 *len)
{
	__u64 pc = 0, steps;
	__u32 vdelta, pcdelta;

	for (steps = 0; steps <= limit + 1; steps++) {
		if (!get_uvarint(t, &off, &vdelta))
			return false;
		if (!vdelta && steps)
			break;
		if (!get_uvarint(t, &off, &pcdelta))
			return false;
		pc += (__u64)pcdelta * t->quantum;
		if (pc > limit)
			return false;
	}
	if (steps > limit + 1)
		return false;
	*len = pc;
	return true;
}

static int func_at(struct pcln *t, __u64 i, struct go_func *fn)
{
	__u64 entry = functab_pc(t, i), next = functab_pc(t, i + 1), rec, name, gap, code;
	unsigned long long n = i;
	__u32 pcsp;
	__s32 name_off;
	size_t len;

	if (next < entry)
		return bad(t, -EINVAL, "function %llu starts after the next one", n);
	if (entry < t->text_lo || next > t->text_hi)
		return bad(t, -EINVAL, "function %llu at 0x%llx lies outside .text", n,
			   (unsigned long long)entry);
	rec = t->funcdata + get(t, t->functab + (2 * i + 1) * t->field, t->field);
	if (rec < t->funcdata || !has(t, rec, t->entry0 + 16))
		return bad(t, -EINVAL, "function %llu's record lies past the table's end", n);
	if ((t->version == GO_118 ? get(t, rec, 4) + t->text_start : get(t, rec, t->entry0)) !=
	    entry)
		return bad(t, -EINVAL, "function %llu's record is not at its entry", n);
	name_off = (__s32)get(t, rec + t->entry0, 4);
	name = t->funcnametab + (__u64)(__u32)name_off;
	if (name_off < 0 || !has(t, name, 1))
		return bad(t, -EINVAL, "function %llu's name lies past the table's end", n);
	len = strnlen((const char *)t->p + name, t->size - name);
	if (!len || len == t->size - name)
		return bad(t, -EINVAL, "function %llu has no name", n);
	gap = next - entry;
	code = gap;
	pcsp = (__u32)get(t, rec + t->entry0 + 12, 4);
	/* pcsp 0: no table (runtime.pcvalue); then the distance to the next function. */
	if (pcsp && (!has(t, t->pctab + pcsp, 1) || !pcsp_extent(t, t->pctab + pcsp, gap, &code)))
		return bad(t, -EINVAL, "function %llu's pc table is corrupt", n);
	fn->name = (const char *)t->p + name;
	fn->entry = entry;
	fn->size = code ? code : gap;
	return 0;
}

int go_pclntab_parse(const void *data, size_t size, const struct go_text *text, go_func_fn fn,
		     void *ctx, char *why, size_t why_len)
{
	struct pcln t = { .p = data, .size = size, .why = why, .why_len = why_len };
	struct go_func f;
	__u64 i;
	int err, pass;

	if (why && why_len)
		why[0] = '\0';
	err = read_header(&t, text);
	if (err)
		return err;
	/* Check everything first: a corrupt table gives no function at all. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < t.nfunc; i++) {
			err = func_at(&t, i, &f);
			if (err)
				return err;
			if (pass && (err = fn(&f, ctx)))
				return err;
		}
	}
	return 0;
}

/* Never set: a function callback for the scan's checking walk. */
static int no_call(const struct go_func *fn, void *ctx)
{
	(void)fn;
	(void)ctx;
	return 0;
}

/*
 * An externally linked PIE has the table inside .data.rel.ro, with no section
 * of its own: the first header there whose whole table checks out. -ENOENT
 * when none does.
 */
static int scan_rel_ro(const unsigned char *p, size_t size, const struct go_text *text,
		       go_func_fn fn, void *ctx, char *why, size_t why_len)
{
	static const unsigned char magics[2][8] = {
		{ 0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8 },
		{ 0xf0, 0xff, 0xff, 0xff, 0, 0, 1, 8 },
	};
	size_t off, m;

	for (m = 0; m < 2; m++) {
		for (off = 0; off + 8 <= size; off += 4) {
			const unsigned char *hit = memmem(p + off, size - off, magics[m], 8);

			if (!hit)
				break;
			off = hit - p;
			if (off % 4)
				continue;
			if (!go_pclntab_parse(hit, size - off, text, no_call, NULL, NULL, 0))
				return go_pclntab_parse(hit, size - off, text, fn, ctx, why,
							why_len);
		}
	}
	return -ENOENT;
}

struct go_sections {
	Elf_Scn *tab, *rel_ro;
	GElf_Shdr tab_sh, rel_ro_sh;
	struct go_text text;
	bool have_text;
};

static void find_sections(Elf *elf, struct go_sections *g)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (!strcmp(name, ".text")) {
			g->text.addr = sh.sh_addr;
			g->text.size = sh.sh_size;
			g->have_text = true;
		} else if (!strcmp(name, ".gopclntab") || !strcmp(name, ".data.rel.ro.gopclntab")) {
			g->tab = scn;
			g->tab_sh = sh;
		} else if (!strcmp(name, ".data.rel.ro")) {
			g->rel_ro = scn;
			g->rel_ro_sh = sh;
		}
	}
}

/* The section's bytes, all of them; NULL when it has none in the file. */
static Elf_Data *section_bytes(Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *data;

	if (sh->sh_type == SHT_NOBITS || (sh->sh_flags & SHF_COMPRESSED))
		return NULL;
	data = elf_getdata(scn, NULL);
	if (!data || !data->d_buf || data->d_size != sh->sh_size)
		return NULL;
	return data;
}

int go_pclntab_read(Elf *elf, go_func_fn fn, void *ctx, char *why, size_t why_len)
{
	struct pcln t = { .why = why, .why_len = why_len };
	struct go_sections g = { 0 };
	Elf_Data *data;

	if (why && why_len)
		why[0] = '\0';
	find_sections(elf, &g);
	if (!g.tab && !g.rel_ro)
		return -ENOENT;
	if (!g.have_text)
		return g.tab ? bad(&t, -EINVAL, "no .text section") : -ENOENT;
	if (!g.tab) {
		data = section_bytes(g.rel_ro, &g.rel_ro_sh);
		return data ? scan_rel_ro(data->d_buf, data->d_size, &g.text, fn, ctx, why, why_len)
			    : -ENOENT;
	}
	data = section_bytes(g.tab, &g.tab_sh);
	if (!data)
		return bad(&t, -EINVAL,
			   "the section's bytes are not in the file (type %u, flags "
			   "0x%llx, %llu bytes at 0x%llx)",
			   g.tab_sh.sh_type, (unsigned long long)g.tab_sh.sh_flags,
			   (unsigned long long)g.tab_sh.sh_size,
			   (unsigned long long)g.tab_sh.sh_offset);
	return go_pclntab_parse(data->d_buf, data->d_size, &g.text, fn, ctx, why, why_len);
}
