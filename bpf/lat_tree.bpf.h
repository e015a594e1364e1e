/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde lat --tree, included by lat.bpf.c after its thread state: each
 * frame's call path id (path_enter(), at entry), and each path's totals
 * (account_path(), at return). Off (the default), the verifier drops it.
 */
#ifndef SONDE_LAT_TREE_BPF_H
#define SONDE_LAT_TREE_BPF_H

/* --tree: call paths (path_ids, path_stats), at most max_paths ids. */
const volatile bool tree = false;
const volatile __u32 max_paths = 0;
/* Path ids handed out, from SONDE_PATH_FIRST: the next is this + SONDE_PATH_FIRST. */
__u32 paths_used = 0;

/* In a frame's path: the call is its caller's function again, in its caller's path. */
#define SONDE_PATH_FOLDED (1U << 31)

/*
 * --tree: {caller's path, function} -> path id, and each path's totals
 * (sonde/lat.h). Sized by the loader to max_paths with --tree; ids are never
 * freed, so a path's stats grow like its function's.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct sonde_path_key);
	__type(value, __u32);
} path_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sonde_path_stats);
} path_stats SEC(".maps");

/*
 * --tree: the path id of a call of `site` entered at depth d, its caller the
 * frame below. A call of its caller's own function folds into the caller's
 * path (direct recursion: recurse(20) is one path, not twenty); recursion
 * through other functions (a -> b -> a) makes new paths, up to the depth
 * kept. A call whose caller has no path has none either (the table was
 * full): counted, as the call is then in no path's totals. The first call of
 * a path inserts it (BPF_NOEXIST: another CPU may just have, and both then
 * use that one; the id this one took is left unused).
 */
static __always_inline __u32 path_enter(const struct sonde_thread *t, __u32 d, __u32 site)
{
	struct sonde_path_key k = {.parent = SONDE_PATH_NONE, .func = site & SONDE_COOKIE_ID_MASK};
	__u32 *v, id;

	/* The calibration's calls look up a key that is never there, and add to a
	 * path of their own: they pay about what a traced call pays. */
	if (k.func >= calib_id_base) {
		k.parent = ~0U;
		v = bpf_map_lookup_elem(&path_ids, &k);
		return v ? *v : SONDE_PATH_CALIB;
	}
	if (d > 0) {
		const struct sonde_frame *caller = &t->frames[(d - 1) & (SONDE_MAX_DEPTH - 1)];

		k.parent = caller->path & ~SONDE_PATH_FOLDED;
		if (k.parent == SONDE_PATH_NONE)
			goto none;
		if ((caller->site & SONDE_COOKIE_ID_MASK) == k.func)
			return k.parent | SONDE_PATH_FOLDED;
	}
	v = bpf_map_lookup_elem(&path_ids, &k);
	if (v)
		return *v;
	if (paths_used >= max_paths)
		goto none;
	id = __sync_fetch_and_add(&paths_used, 1) + SONDE_PATH_FIRST;
	if (id >= max_paths)
		goto none;
	bpf_map_update_elem(&path_ids, &k, &id, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&path_ids, &k);
	if (v)
		return *v;
none:
	count_drop(SONDE_DROP_TREE_FULL);
	return SONDE_PATH_NONE;
}

/* --tree: the call into its path's totals (a folded recursion's time is its caller's). */
static __always_inline void account_path(__u32 path, __u64 wall, __u64 self)
{
	const bool atomic = stats_atomic;
	__u32 id = path & ~SONDE_PATH_FOLDED;
	struct sonde_path_stats *ps;

	if (id == SONDE_PATH_NONE)
		return;
	ps = bpf_map_lookup_elem(&path_stats, &id);
	if (!ps)
		return;
	percpu_add_as(atomic, &ps->calls, 1);
	if (!(path & SONDE_PATH_FOLDED))
		percpu_add_as(atomic, &ps->total_ns, wall);
	percpu_add_as(atomic, &ps->self_ns, self);
}

#endif
