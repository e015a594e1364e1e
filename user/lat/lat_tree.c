// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "core/percpu.h"
#include "lat/lat_tree.h"
#include "probe/probes.h"
#include "sonde/lat.h"

void lat_tree_free(struct lat_tree *t)
{
	if (!t)
		return;
	free(t->v);
	free(t);
}

size_t lat_tree_add(struct lat_tree *t, size_t parent, const char *object, const char *name)
{
	struct lat_tree_node *v;

	/* A caller comes first: walks up the tree then always end. */
	if (parent != LAT_TREE_ROOT && parent >= t->nr)
		return LAT_TREE_ROOT;
	/* Grown by doubling: files hold up to max_paths nodes. */
	if (!(t->nr & (t->nr - 1))) {
		v = realloc(t->v, (t->nr ? 2 * t->nr : 1) * sizeof(*v));
		if (!v)
			return LAT_TREE_ROOT;
		t->v = v;
	}
	t->v[t->nr] = (struct lat_tree_node){.parent = parent, .object = object, .name = name};
	return t->nr++;
}

size_t lat_tree_depth(const struct lat_tree *t, size_t i)
{
	size_t d = 0;

	/* Parents come before their children: the walk ends. */
	for (; i < t->nr; i = t->v[i].parent)
		d++;
	return d;
}

__u64 lat_tree_root_ns(const struct lat_tree *t)
{
	__u64 ns = 0;
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (t->v[i].name && t->v[i].parent == LAT_TREE_ROOT)
			ns += t->v[i].total_ns;
	return ns;
}

__u64 lat_tree_self_ns(const struct lat_tree *t)
{
	__u64 ns = 0;
	size_t i;

	for (i = 0; i < t->nr; i++)
		ns += t->v[i].self_ns;
	return ns;
}

static int by_total(const void *a, const void *b, void *ctx)
{
	const struct lat_tree *t = ctx;
	const struct lat_tree_node *x = &t->v[*(const size_t *)a], *y = &t->v[*(const size_t *)b];
	int c;

	if (x->total_ns != y->total_ns)
		return x->total_ns > y->total_ns ? -1 : 1;
	if ((c = strcmp(x->name, y->name)))
		return c;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/*
 * Each node's callees as one array sorted by (parent, total): first[p] is
 * where p's start (p = nr stands for the root), then a depth-first walk with
 * an explicit stack (paths are at most SONDE_MAX_DEPTH deep, files' deeper).
 */
long lat_tree_order(const struct lat_tree *t, size_t **order)
{
	size_t n = t->nr, i, out = 0, *kids, *first, *next, *stack, top = 0;

	*order = NULL;
	kids = calloc(n + 1, sizeof(*kids));
	first = calloc(n + 2, sizeof(*first));
	next = calloc(n + 2, sizeof(*next));
	stack = calloc(n + 1, sizeof(*stack));
	*order = calloc(n + 1, sizeof(**order));
	if (!kids || !first || !next || !stack || !*order) {
		free(*order);
		*order = NULL;
		free(kids);
		free(first);
		free(next);
		free(stack);
		return -ENOMEM;
	}
#define SLOT(i) (t->v[i].parent < n ? t->v[i].parent : n)
	for (i = 0; i < n; i++)
		if (t->v[i].name)
			first[SLOT(i) + 1]++;
	for (i = 1; i <= n + 1; i++)
		first[i] += first[i - 1];
	memcpy(next, first, (n + 2) * sizeof(*next));
	for (i = 0; i < n; i++)
		if (t->v[i].name)
			kids[next[SLOT(i)]++] = i;
	for (i = 0; i <= n; i++)
		qsort_r(kids + first[i], first[i + 1] - first[i], sizeof(*kids), by_total,
			(void *)t);
	/* The stack holds, per level, the next callee to show: next[p] counts up. */
	memcpy(next, first, (n + 2) * sizeof(*next));
	stack[top++] = n;
	while (top) {
		size_t p = stack[top - 1];

		if (next[p] == first[p + 1]) {
			top--;
			continue;
		}
		i = kids[next[p]++];
		(*order)[out++] = i;
		stack[top++] = i;
	}
#undef SLOT
	free(kids);
	free(first);
	free(next);
	free(stack);
	return (long)out;
}

/* Unused ids (a race lost) keep no name; names are the probe set's. */
static void read_ids(struct lat_tree *t, int fd, __u32 used, const struct probe_set *set)
{
	struct sonde_path_key key, next;
	bool first = true;
	__u32 id;

	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		struct lat_tree_node *node;

		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &id) || id < SONDE_PATH_FIRST ||
		    id - SONDE_PATH_FIRST >= used || key.func >= set->nr)
			continue;
		node = &t->v[id - SONDE_PATH_FIRST];
		node->name = set->sites[key.func].name;
		node->object = object_shown_path(set->sites[key.func].object);
		/* A caller's id was handed out before its callees'. */
		node->parent = key.parent >= SONDE_PATH_FIRST && key.parent < id
				   ? key.parent - SONDE_PATH_FIRST
				   : LAT_TREE_ROOT;
	}
}

int lat_tree_read(struct lat_tree **out, int path_ids_fd, int path_stats_fd, __u32 used,
		  const struct probe_set *set)
{
	struct lat_tree *t = calloc(1, sizeof(*t));
	struct percpu_value pv = {0};
	__u64 sum[3];
	size_t i;
	int err;

	if (!t || !(t->v = calloc(used ? used : 1, sizeof(*t->v)))) {
		lat_tree_free(t);
		return -ENOMEM;
	}
	t->nr = used;
	for (i = 0; i < t->nr; i++)
		t->v[i].parent = LAT_TREE_ROOT;
	read_ids(t, path_ids_fd, used, set);
	err = percpu_value_init(&pv, sizeof(struct sonde_path_stats));
	for (i = 0; !err && i < t->nr; i++) {
		__u32 id = (__u32)i + SONDE_PATH_FIRST;

		if (!t->v[i].name)
			continue;
		err = percpu_value_lookup(&pv, path_stats_fd, &id);
		if (err)
			break;
		percpu_value_sum_u64(&pv, 0, sum, 3);
		t->v[i].calls = sum[0];
		t->v[i].total_ns = sum[1];
		t->v[i].self_ns = sum[2];
	}
	percpu_value_free(&pv);
	if (err) {
		lat_tree_free(t);
		return err;
	}
	*out = t;
	return 0;
}
