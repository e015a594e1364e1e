/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde lat --tree: the call paths of a run as a tree. A node is one path:
 * a function and the node of its traced caller (the traced calls open on the
 * thread when it was called, outermost first). Its calls, total and self
 * time are the calls made along that path, whatever thread made them. A
 * direct recursion (f calling f) is folded into its caller's node: it adds to
 * the node's calls and self time, while the node's total time is that of its
 * outermost calls only. The nodes' self times so add up to the outermost
 * nodes' total time (the root's), exactly as measured: each call's self time
 * is its wall time less its traced callees' (lat.bpf.c). Go functions' calls
 * are paired per goroutine, not on the thread's stack, and are in no path.
 */
#ifndef SONDE_LAT_TREE_H
#define SONDE_LAT_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct probe_set;

/* A node's parent when its function was called from no traced function. */
#define LAT_TREE_ROOT ((size_t)-1)

struct lat_tree_node {
	size_t parent; /* its caller's node, before it in v[]; LAT_TREE_ROOT: none */
	/* The function: as the profile's functions name it, the strings the
	 * profile's (NULL: an unused slot, a path id two CPUs raced for; every
	 * figure is 0). */
	const char *object, *name;
	__u64 calls, total_ns, self_ns;
};

struct lat_tree {
	struct lat_tree_node *v;
	size_t nr;
};

void lat_tree_free(struct lat_tree *t); /* and t */

/* A node at the end (its parent already in): its index, or LAT_TREE_ROOT when out of memory
 * or the parent is not in. The names are kept as given: the profile's (lat_profile_own()). */
size_t lat_tree_add(struct lat_tree *t, size_t parent, const char *object, const char *name);

/* Nodes from the root down (a path's length: 1 for an outermost call). */
size_t lat_tree_depth(const struct lat_tree *t, size_t i);

/* The root's total: the outermost nodes' total time. */
__u64 lat_tree_root_ns(const struct lat_tree *t);
/* Every node's self time added up (lat_tree_root_ns(), but for calls lost to drops). */
__u64 lat_tree_self_ns(const struct lat_tree *t);

/*
 * The nodes in the order reports show them, into order[] (t->nr, allocated):
 * each node before its callees, a node's callees by total time, descending
 * (then name), unused slots left out. Returns how many, or -ENOMEM.
 */
long lat_tree_order(const struct lat_tree *t, size_t **order);

/*
 * The tree the kernel kept: path_ids ({caller's path, function} -> id) and
 * path_stats (per-CPU totals by id), `used` ids from SONDE_PATH_FIRST, the
 * functions named by `set` (ids are its indexes). 0 or -errno.
 */
int lat_tree_read(struct lat_tree **out, int path_ids_fd, int path_stats_fd, __u32 used,
		  const struct probe_set *set);

#endif
