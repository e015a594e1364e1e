/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A flame graph of folded stacks as one self-contained, interactive SVG:
 * a box per frame (width its weight, children above their parent), click
 * to zoom, search, hover for figures; script and style inline, no network.
 * Written here from scratch (flamegraph.pl and inferno are CDDL).
 */
#ifndef SONDE_FLAMEGRAPH_H
#define SONDE_FLAMEGRAPH_H

#include <stdio.h>
#include "out/folded.h"

struct flamegraph_opts {
	const char *title;
	/* A diff: each frame of the graph (drawn from the new stacks) coloured by
	 * the change of its weight from `base`'s; NULL: colours by name. */
	const struct folded *base;
	/* Inside an HTML page: no XML prolog, ids prefixed, so several fit one page. */
	const char *id_prefix;
	unsigned int width; /* px; 0: 1200 */
};

/* 0 or -errno (-EIO when the write failed, -EINVAL for an id_prefix other
 * than letters, digits, '-' and '_'). */
int flamegraph_write_svg(FILE *out, const struct folded *f, const struct flamegraph_opts *o);
/* Into the file at path, through out_file.h (a temporary file renamed over
 * it): 0, or a reported error (sonde: ...). */
int flamegraph_save(const char *path, const struct folded *f, const struct flamegraph_opts *o);

#endif
