/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Folded stacks: each stack once, outermost frame first, with a weight —
 * the "a;b;c N" lines flamegraph.pl, inferno, speedscope and pprof's tools
 * read, and what sonde's flame graphs (flamegraph.h) and HTML report draw.
 * Sources: lat's call paths (self ns), off-CPU stacks (ns off CPU), slow-call
 * stacks (count); mem's live and allocated bytes by stack.
 *
 * The format has no escaping, and frame names are data from the traced
 * binary: folded_add() stores each frame as folded text, its control
 * characters and invalid UTF-8 escaped as safe_text() does (\xHH), and each
 * ';' (the separator) written as \x3b. Spaces stay: the readers take the
 * weight after the last space ("operator new(unsigned long)" is one frame).
 * An empty name is stored as "?".
 */
#ifndef SONDE_FOLDED_H
#define SONDE_FOLDED_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

struct folded_stack {
	char **frames; /* outermost first, owned, escaped as above */
	size_t nr;
	__u64 weight;
	__u64 hash; /* of the frames: the index's key */
};

struct folded {
	const char *unit; /* what a weight counts: "ns", "bytes", "calls" */
	struct folded_stack *v;
	size_t nr, cap;
	/* An open-addressing index of v by hash (v's index + 1; 0: empty), so that
	 * adding the stacks of a large profile is not quadratic. */
	size_t *slots;
	size_t nr_slots;
};

void folded_init(struct folded *f, const char *unit);
void folded_free(struct folded *f);
/* Add a stack (frames copied, escaped), merged into an equal one already there:
 * 0, -ENOMEM, or -EINVAL for no frames. A weight of 0 adds nothing: it would
 * be no part of a picture. */
int folded_add(struct folded *f, const char *const *frames, size_t nr, __u64 weight);
/* Each stack of `from` added with its weight divided by `divisor` (> 0),
 * rounded to the nearest: a mean over runs. 0 or -ENOMEM. */
int folded_add_divided(struct folded *f, const struct folded *from, __u64 divisor);
/* A stack as the tracers name it — innermost first, "fn+0xoff" — added
 * outermost first without the offsets (mem_frame_function()), so it merges
 * across builds; `leaf`, when not NULL, as its innermost frame. 0, -ENOMEM,
 * or -EINVAL for no frames at all. */
int folded_add_symbolized(struct folded *f, const char *const *frames, size_t nr, const char *leaf,
			  __u64 weight);
/* The sum of every stack's weight. */
__u64 folded_total(const struct folded *f);
/* The indexes of f->v in the stable order folded_write() uses: frame by frame
 * (strcmp), a stack before the longer ones it begins. So the stacks below any
 * frame come together, ordered by name. Free it; NULL on ENOMEM. */
size_t *folded_order(const struct folded *f);
/* "a;b;c N\n" per stack, in a stable order; 0 or -EIO (-ENOMEM). */
int folded_write(FILE *out, const struct folded *f);

struct out_file;
/* folded_write() into an output file opened before the run (out_file.h: a
 * temporary file renamed over the path): 0, or a reported error. */
int folded_save(struct out_file *out, const struct folded *f);

#endif
