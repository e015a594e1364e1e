/* SPDX-License-Identifier: GPL-2.0 */
/* lat's call paths (--tree) as folded stacks, weighted by self time. */
#ifndef SONDE_LAT_TREE_FOLDED_H
#define SONDE_LAT_TREE_FOLDED_H

#include "lat/lat_profile.h"
#include "out/folded.h"

/*
 * Each path of p's tree with self time as one stack (outermost first, names
 * as the report shows them), its weight that self time in ns: the weights add
 * up to the tree's self total, the root's total time. out is folded_init()ed
 * by the caller (unit "ns"). 0, -ENOENT when p has no tree, or -ENOMEM.
 */
int lat_tree_folded(const struct lat_profile *p, struct folded *out);

struct sonde_profile;
/* The mean of nr lat profiles' lat_tree_folded() stacks into f (sonde diff's
 * sides): 0, -ENOENT when one has no tree, or -ENOMEM. */
int lat_tree_folded_mean(struct folded *f, struct sonde_profile *const *runs, size_t nr);

#endif
