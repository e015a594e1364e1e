// SPDX-License-Identifier: GPL-2.0
/*
 * Defined function symbols of an ELF object, from .symtab and .dynsym, with
 * the file offset of each (what uprobes attach to): the PT_LOAD segment that
 * holds st_value maps it to the file, so PIE and shared objects need no
 * load address. A stripped Go program still lists every function in its
 * .gopclntab (user/probe/go_pclntab.c): read when there is no .symtab. The
 * tables are read by elf_syms_read.c; here, the sorted model and its lookups.
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
#include "probe/elf_syms_priv.h"

static int sym_cmp_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	return strcmp(x->name, y->name);
}

struct sym *syms_push(struct syms *s)
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
	size_t nr_segs = 0;
	Elf *elf = NULL;
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
	ret = syms_read_segments(elf, &segs, &nr_segs);
	if (ret)
		goto cleanup;
	ret = syms_read_tables(s, elf, segs, nr_segs);
	if (ret)
		goto cleanup;
	if (s->source == SYMS_SRC_DYNSYM) {
		ret = syms_read_debug_symtab(s, path, elf, segs, nr_segs);
		if (ret)
			goto cleanup;
	}
	if (s->source == SYMS_SRC_DYNSYM && (s->runtime & SYMS_RT_GO)) {
		ret = syms_read_go_functions(s, elf, segs, nr_segs);
		if (ret)
			goto cleanup;
	}
	drop_duplicates(s);
	syms_mark_compat_versions(s, elf);
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
