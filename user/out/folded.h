/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Folded stacks: each stack once, outermost frame first, with a weight —
 * the "a;b;c N" lines flamegraph.pl, inferno, speedscope and pprof's tools
 * read, and what sonde's flame graphs (flamegraph.h) and HTML report draw.
 * Sources: lat's call paths (self ns), off-CPU stacks (ns off CPU), slow-call
 * stacks (count); mem's live and allocated bytes by stack.
 */
#ifndef SONDE_FOLDED_H
#define SONDE_FOLDED_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

struct folded_stack {
	char **frames; /* outermost first, owned */
	size_t nr;
	__u64 weight;
};

struct folded {
	const char *unit; /* what a weight counts: "ns", "bytes", "calls" */
	struct folded_stack *v;
	size_t nr, cap;
};

void folded_init(struct folded *f, const char *unit);
void folded_free(struct folded *f);
/* Add a stack (frames copied), merged into an equal one already there: 0 or -ENOMEM. */
int folded_add(struct folded *f, const char *const *frames, size_t nr, __u64 weight);
/* The sum of every stack's weight. */
__u64 folded_total(const struct folded *f);
/* "a;b;c N\n" per stack, in a stable order; 0 or -EIO. */
int folded_write(FILE *out, const struct folded *f);

#endif
