/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A memory profile as folded stacks (folded.h), in bytes: what is live at the
 * end (--folded, report/diff --flamegraph), or what was ever allocated
 * (--folded-alloc). Frames outermost first and without offsets
 * (mem_frame_function()), so stacks merge across builds and processes; an
 * anonymous mapping's stack ends in "[mmap]", one without frames is
 * "[unknown]" (lost) or "[no frames]", as the Prometheus labels read.
 */
#ifndef SONDE_MEM_FOLDED_H
#define SONDE_MEM_FOLDED_H

#include "mem/mem_profile.h"
#include "out/folded.h"
#include "out/sonde_profile.h"

enum mem_folded_weight {
	MEM_FOLDED_LIVE,  /* live_bytes: sums to the report's live_bytes + mmap_bytes */
	MEM_FOLDED_ALLOC, /* alloc_bytes: every byte allocated since the start */
};

/* Add p's stacks to f (folded_init(f, "bytes") first): 0 or -ENOMEM. */
int mem_folded_add(struct folded *f, const struct mem_profile *p, enum mem_folded_weight w);
/* Into an empty f: each stack's mean over runs (memory profiles, nr > 0), in
 * whole bytes (a stack whose mean rounds to 0 left out): one side of a diff. */
int mem_folded_mean(struct folded *f, struct sonde_profile *const *runs, size_t nr,
		    enum mem_folded_weight w);

#endif
