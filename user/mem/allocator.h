/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which allocator a process really calls. The dynamic linker binds malloc to
 * the first object of its global scope that defines it: the main executable,
 * then LD_PRELOAD and /etc/ld.so.preload, then the DT_NEEDED libraries breadth
 * first (ld.so's _dl_map_object_deps). So a program linked with -ljemalloc
 * calls jemalloc's malloc, not libc's, and redis on Debian does too. Where no
 * object can be probed (a stripped static binary) or what an object defines is
 * not the whole heap (Go's runtime allocator), a sentence says what is not seen.
 */
#ifndef SONDE_ALLOCATOR_H
#define SONDE_ALLOCATOR_H

#include <limits.h>
#include <stdbool.h>
#include "core/target.h"

struct syms;

struct allocator {
	bool found;
	/* The probe spec's OBJECT: NULL for the main executable, else a soname or a path. */
	const char *object;
	char object_buf[PATH_MAX];
	char path[PATH_MAX]; /* a path sonde reads and attaches it through */
	char prefix[8];	     /* "je_" when its functions are je_malloc, je_free, ... */
	const char *name;    /* "jemalloc", "tcmalloc", "mimalloc", "libc", "malloc" */
	/* What the probes cannot see and what to try, one sentence; "" when nothing. */
	char unseen[320];
};

/*
 * Find the allocator of the target: `forced` (--allocator OBJECT) when given,
 * else the first object in the dynamic linker's search order that defines
 * malloc. 0 with a->found false when there is none (a->unseen says why);
 * a sonde_fail() code for a forced allocator that is not one.
 */
int allocator_find(const struct target *t, const char *forced, struct allocator *a);

/* ---- pure helpers (unit-tested) ------------------------------------------ */

/* The allocator an object's symbols show: jemalloc (mallocx), tcmalloc
 * (tc_malloc), mimalloc (mi_malloc), libc (__libc_malloc), else "malloc". */
const char *allocator_name_of(const struct syms *syms);
/* The prefix of the object's allocator functions: "" (malloc), "je_", "tc_",
 * or NULL when it defines none of malloc, je_malloc, tc_malloc. */
const char *allocator_prefix_of(const struct syms *syms);
/* A function `name` the object defines that can be probed: not an IFUNC, with a size. */
bool allocator_defines(const struct syms *syms, const char *name);

#endif
