// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include "out/lat_tree_folded.h"
#include "out/lat_tree_term.h"
#include "out/sonde_profile.h"

/* A label as long as a table's: longer names are cut, never a frame's text. */
#define LABEL_LEN 512

int lat_tree_folded(const struct lat_profile *p, struct folded *out)
{
	const struct lat_tree *t = p->tree;
	char(*labels)[LABEL_LEN] = NULL;
	const char **frames = NULL;
	size_t i, j, depth, maxd = 0;
	int err = 0;

	if (!t)
		return -ENOENT;
	for (i = 0; i < t->nr; i++)
		if (t->v[i].name && (depth = lat_tree_depth(t, i)) > maxd)
			maxd = depth;
	labels = calloc(t->nr + 1, sizeof(*labels));
	frames = calloc(maxd + 1, sizeof(*frames));
	if (!labels || !frames) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < t->nr; i++)
		if (t->v[i].name)
			lat_tree_node_label(labels[i], LABEL_LEN, p, &t->v[i]);
	for (i = 0; !err && i < t->nr; i++) {
		if (!t->v[i].name || !t->v[i].self_ns)
			continue;
		depth = lat_tree_depth(t, i);
		/* Innermost last: filled from the end, walking up to the root. */
		for (j = i; depth > 0 && j < t->nr; j = t->v[j].parent)
			frames[--depth] = labels[j];
		err = folded_add(out, frames, lat_tree_depth(t, i), t->v[i].self_ns);
	}
cleanup:
	free(labels);
	free(frames);
	return err;
}

int lat_tree_folded_mean(struct folded *f, struct sonde_profile *const *runs, size_t nr)
{
	struct folded sum;
	size_t i;
	int err = 0;

	folded_init(&sum, f->unit);
	for (i = 0; !err && i < nr; i++)
		err = runs[i]->kind == PROFILE_LAT ? lat_tree_folded(runs[i]->lat, &sum) : -ENOENT;
	if (!err)
		err = folded_add_divided(f, &sum, nr);
	folded_free(&sum);
	return err;
}
