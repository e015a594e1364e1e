/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Go's function table (.gopclntab): the name, entry and size of every function
 * of a Go program, kept for the runtime's stack traces, so stripping leaves it.
 */
#ifndef SONDE_GO_PCLNTAB_H
#define SONDE_GO_PCLNTAB_H

#include <stddef.h>
#include <libelf.h>
#include <linux/types.h>

struct go_func {
	const char *name; /* in the table: valid during the callback only */
	__u64 entry;	  /* vaddr of the first instruction */
	__u64 size;	  /* code bytes, without the padding before the next function */
};

/* Called once per function, in address order; a nonzero return stops the walk. */
typedef int (*go_func_fn)(const struct go_func *fn, void *ctx);

/* The .text section: functions must lie in it; addr is Go's textStart when the
 * header's is 0 (left for a relocation to fill). */
struct go_text {
	__u64 addr, size;
};

/*
 * Walk the table in data (the section's bytes). The whole table is
 * checked before the first call to fn, so a corrupt one yields no function.
 * Returns 0, fn's nonzero return, -ENOTSUP for a format not read (why says
 * which), or -EINVAL for a corrupt table (why says what is wrong).
 * Reads Go 1.2 to 1.15, 1.16/1.17, 1.18/1.19 and 1.20+ tables, little-endian.
 */
int go_pclntab_parse(const void *data, size_t size, const struct go_text *text, go_func_fn fn,
		     void *ctx, char *why, size_t why_len);

/*
 * Find the table of elf and walk it: .gopclntab, .data.rel.ro.gopclntab (a PIE
 * Go linked), or inside .data.rel.ro (a PIE the system linker linked, -linkmode
 * external or cgo). -ENOENT when there is none, else as go_pclntab_parse().
 */
int go_pclntab_read(Elf *elf, go_func_fn fn, void *ctx, char *why, size_t why_len);

#endif
