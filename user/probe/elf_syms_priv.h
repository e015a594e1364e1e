/* SPDX-License-Identifier: GPL-2.0 */
/* The symbol table's parts: the model and its queries (elf_syms.c), the readers of an
 * ELF object's tables (elf_syms_read.c). */
#ifndef SONDE_ELF_SYMS_PRIV_H
#define SONDE_ELF_SYMS_PRIV_H

#include <gelf.h>
#include <libelf.h>
#include "probe/elf_syms.h"

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
	unsigned int runtime;	 /* enum syms_runtime */
	const struct sym **cold; /* cold parts, by the name of their function */
	size_t nr_cold;
	char *debug_file; /* the separate debug file the .symtab came from, or NULL */
};

/* A new zeroed entry at the end of s->v, or NULL without memory. */
struct sym *syms_push(struct syms *s);

/* The PT_LOAD segments, which map a symbol's st_value to its file offset. */
int syms_read_segments(Elf *elf, struct load_seg **out, size_t *nr_out);
/* Every section: its .symtab and .dynsym functions, and the runtime its sections,
 * imports and DT_NEEDED entries say (s->runtime). s->source is SYMS_SRC_SYMTAB when
 * there is a .symtab. */
int syms_read_tables(struct syms *s, Elf *elf, const struct load_seg *segs, size_t nr_segs);
/* Stripped: the .symtab of its separate debug file (debug_file.h), if one is found. */
int syms_read_debug_symtab(struct syms *s, const char *path, Elf *elf, const struct load_seg *segs,
			   size_t nr_segs);
/* Stripped Go: every function from .gopclntab (why not, in s->go_error). */
int syms_read_go_functions(struct syms *s, Elf *elf, const struct load_seg *segs, size_t nr_segs);
/* Mark the old versions of a name (.gnu.version); s->v sorted by address and name. */
void syms_mark_compat_versions(struct syms *s, Elf *elf);

#endif
