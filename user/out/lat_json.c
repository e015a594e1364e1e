// SPDX-License-Identifier: GPL-2.0
/* JSON renderer: one object per report, one line each, field names per DESIGN.md. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "out/json_read.h"
#include "core/hist.h"
#include "out/lat_json.h"
#include "out/lat_report.h"
#include "mem/mem_profile.h"
#include "core/util.h"

static json_t *hist_json(const __u64 *hist)
{
	json_t *arr = json_array();
	int b;

	for (b = 0; arr && b < SONDE_HIST_BUCKETS; b++) {
		if (!hist[b])
			continue;
		json_array_append_new(arr, json_pack("[II]", (json_int_t)sonde_bucket_lower_ns(b),
						     (json_int_t)hist[b]));
	}
	return arr;
}

/* A function's time slices: [[calls, total_ns, [[lower_ns, count], ...]], ...]. */
static json_t *slices_json(const struct lat_func_slices *fs)
{
	json_t *arr = json_array();
	size_t k;
	__u32 j;

	for (k = 0; arr && k < fs->nr; k++) {
		const struct lat_slice *sl = &fs->s[k];
		json_t *hist = json_array();

		for (j = 0; hist && j < sl->nr; j++)
			json_array_append_new(
			    hist, json_pack("[II]", (json_int_t)sonde_bucket_lower_ns(sl->bucket[j]),
					    (json_int_t)sl->count[j]));
		json_array_append_new(arr, json_pack("[I,I,o]", (json_int_t)sl->calls,
						     (json_int_t)sl->total_ns, hist));
	}
	return arr;
}

static json_t *func_json(const struct func_result *f)
{
	json_t *o;

#define Q(q) ((json_int_t)(hist_quantile(f->hist, f->min_ns, f->max_ns, q) + 0.5))
	o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "object",
		      f->object, "name", f->name, "calls", (json_int_t)f->calls, "total_ns",
		      (json_int_t)f->total_ns, "self_ns", (json_int_t)f->self_ns, "min_ns",
		      (json_int_t)f->min_ns, "max_ns", (json_int_t)f->max_ns, "mean_ns",
		      (json_int_t)(f->calls ? f->total_ns / f->calls : 0), "p50_ns", Q(0.50),
		      "p90_ns", Q(0.90), "p99_ns", Q(0.99), "p999_ns", Q(0.999));
#undef Q
	if (!o)
		return NULL;
	/* The symbol as the object names it, when name is demangled: for tools that
	 * look it up, and to tell apart functions that demangle alike (D1, D2). */
	if (f->mangled)
		json_object_set_new(o, "mangled", json_string(f->mangled));
	json_object_set_new(o, "oncpu_ns", json_integer((json_int_t)f->oncpu_ns));
	json_object_set_new(o, "runq_ns", json_integer((json_int_t)f->runq_ns));
	json_object_set_new(o, "blocked_ns", json_integer((json_int_t)f->blocked_ns));
	json_object_set_new(o, "error_ns", json_integer((json_int_t)f->error_ns));
	/* Go: the split does not apply, and the three are 0. */
	if (f->no_split)
		json_object_set_new(o, "sched_split", json_false());
	json_object_set_new(o, "hist", hist_json(f->hist));
	json_object_set_new(o, "offcpu_hist", hist_json(f->offcpu_hist));
	if (f->slices)
		json_object_set_new(o, "slices", slices_json(f->slices));
	return o;
}

/* --offcpu-stacks: frames innermost first, bare ("read") and as named ("read+0x12"). */
static json_t *offcpu_stack_json(const struct lat_offcpu_stack *s)
{
	json_t *bare = json_array(), *at = json_array();
	char fn[256];
	size_t i;

	for (i = 0; bare && at && i < s->nr; i++) {
		json_array_append_new(
		    bare, json_string(mem_frame_function(s->frames[i], fn, sizeof(fn))));
		json_array_append_new(at, json_string(s->frames[i]));
	}
	return json_pack("{s:s, s:s, s:o, s:o, s:I, s:I, s:I, s:I}", "object", s->object,
			 "function", s->name, "frames", bare, "frames_at", at, "offcpu_ns",
			 (json_int_t)(s->blocked_ns + s->runq_ns), "blocked_ns",
			 (json_int_t)s->blocked_ns, "runq_ns", (json_int_t)s->runq_ns, "spans",
			 (json_int_t)s->spans);
}

static json_t *offcpu_json(const struct lat_profile *p)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < p->nr_offcpu_stacks; i++)
		json_array_append_new(arr, offcpu_stack_json(&p->offcpu_stacks[i]));
	return arr;
}

/*
 * --tree: [{"path": [outermost, ..., name], "calls", "total_ns", "self_ns"}],
 * each path after its caller's, a caller's callees by total time.
 */
static json_t *tree_json(const struct lat_tree *t)
{
	const struct lat_tree_node *n;
	json_t *arr = json_array(), *path;
	size_t *order, r, i;
	long nr = lat_tree_order(t, &order);

	if (nr < 0 || !arr) {
		json_decref(arr);
		return NULL;
	}
	for (r = 0; r < (size_t)nr; r++) {
		n = &t->v[order[r]];
		path = json_array();
		/* Built innermost first, each caller put before it. */
		for (i = order[r]; path && i < t->nr; i = t->v[i].parent)
			json_array_insert_new(path, 0, json_string(t->v[i].name));
		json_array_append_new(arr, json_pack("{s:o, s:I, s:I, s:I}", "path", path, "calls",
						     (json_int_t)n->calls, "total_ns",
						     (json_int_t)n->total_ns, "self_ns",
						     (json_int_t)n->self_ns));
	}
	free(order);
	return arr;
}

json_t *lat_profile_json(const struct lat_profile *p)
{
	json_t *root, *drops, *funcs;
	size_t i;

	root = json_pack("{s:s, s:b, s:I}", "type", "lat", "final", p->final, "duration_ns",
			 (json_int_t)p->duration_ns);
	drops = json_object();
	funcs = json_array();
	if (!root || !drops || !funcs) {
		json_decref(root);
		root = NULL;
		goto cleanup;
	}
	for (i = 0; i < SONDE_DROP__COUNT; i++)
		json_object_set_new(drops, drop_name(i), json_integer((json_int_t)p->drops[i]));
	for (i = 0; i < p->nr_funcs; i++)
		json_array_append_new(funcs, func_json(&p->funcs[i]));
	json_object_set_new(root, "sched", json_boolean(p->sched));
	/* The length of the functions' slices (sonde diff's evidence within a run). */
	if (p->slice_ns)
		json_object_set_new(root, "slice_ns", json_integer((json_int_t)p->slice_ns));
	json_object_set_new(root, "sched_resyncs", json_integer((json_int_t)p->sched_resyncs));
	json_object_set_new(
	    root, "calibration",
	    json_pack("{s:b, s:[I,I], s:[I,I]}", "corrected", p->corrected, "window_ns",
		      (json_int_t)p->calib_window_ns[0], (json_int_t)p->calib_window_ns[1],
		      "call_ns", (json_int_t)p->calib_call_ns[0], (json_int_t)p->calib_call_ns[1]));
	json_object_set_new(root, "threads",
			    json_pack("{s:I, s:I}", "tracked", (json_int_t)p->threads_tracked,
				      "freed", (json_int_t)p->threads_freed));
	json_object_set(root, "drops", drops);
	json_object_set(root, "functions", funcs);
	if (p->tree)
		json_object_set_new(root, "tree", tree_json(p->tree));
	/* The final report's (intervals have none): present exactly when measured. */
	if (p->offcpu && p->final)
		json_object_set_new(root, "offcpu_stacks", offcpu_json(p));
cleanup:
	json_decref(drops);
	json_decref(funcs);
	return root;
}

int report_lat_json(FILE *f, const struct lat_profile *p)
{
	return format_json_line(f, lat_profile_json(p));
}

/* ---- reading it back (sonde report, sonde diff) ---- */

/* One slice [calls, total_ns, [[lower_ns, count], ...]]: its buckets must add
 * up to its calls, ascending and each a bucket's lower bound. */
static int read_slice(json_t *v, struct lat_slice *sl)
{
	json_t *hist = json_array_get(v, 2), *pair;
	__u64 hist_calls = 0;
	size_t i;

	if (json_array_size(v) != 3 || !json_is_integer(json_array_get(v, 0)) ||
	    !json_is_integer(json_array_get(v, 1)) || !json_is_array(hist) ||
	    json_integer_value(json_array_get(v, 0)) < 0 ||
	    json_integer_value(json_array_get(v, 1)) < 0)
		return -1;
	sl->calls = (__u64)json_integer_value(json_array_get(v, 0));
	sl->total_ns = (__u64)json_integer_value(json_array_get(v, 1));
	if (json_array_size(hist) > SONDE_HIST_BUCKETS)
		return -1;
	sl->bucket = malloc((json_array_size(hist) + 1) * sizeof(*sl->bucket));
	sl->count = malloc((json_array_size(hist) + 1) * sizeof(*sl->count));
	if (!sl->bucket || !sl->count)
		return -1;
	json_array_foreach(hist, i, pair)
	{
		json_t *lo = json_array_get(pair, 0), *cnt = json_array_get(pair, 1);
		__u32 b;

		if (json_array_size(pair) != 2 || !json_is_integer(lo) || !json_is_integer(cnt) ||
		    json_integer_value(lo) < 0 || json_integer_value(cnt) <= 0)
			return -1;
		b = sonde_bucket_of_ns((__u64)json_integer_value(lo));
		if (sonde_bucket_lower_ns(b) != (__u64)json_integer_value(lo) ||
		    (sl->nr && b <= sl->bucket[sl->nr - 1]))
			return -1;
		sl->bucket[sl->nr] = (__u16)b;
		sl->count[sl->nr++] = (__u64)json_integer_value(cnt);
		hist_calls += (__u64)json_integer_value(cnt);
	}
	return hist_calls == sl->calls ? 0 : -1;
}

/* A function's slices, when the file has them (sonde lat -o since slices). */
static int read_slices(json_t *arr, struct func_result *f)
{
	json_t *v;
	size_t i;

	if (!arr)
		return 0;
	if (!json_is_array(arr) || !(f->slices = calloc(1, sizeof(*f->slices))) ||
	    !(f->slices->s = calloc(json_array_size(arr) + 1, sizeof(*f->slices->s))))
		return -1;
	json_array_foreach(arr, i, v)
	{
		f->slices->nr++;
		if (read_slice(v, &f->slices->s[i]))
			return -1;
	}
	return 0;
}

static int read_function(struct lat_profile *p, json_t *o, struct func_result *f)
{
	json_t *obj = json_object_get(o, "object"), *name = json_object_get(o, "name");
	json_t *mangled = json_object_get(o, "mangled");
	/* The split and the error bound are absent from files of older versions. */
	const struct json_u64_member counts[] = {
	    {"calls", &f->calls, true},	       {"total_ns", &f->total_ns, true},
	    {"self_ns", &f->self_ns, true},    {"min_ns", &f->min_ns, true},
	    {"max_ns", &f->max_ns, true},      {"oncpu_ns", &f->oncpu_ns, false},
	    {"runq_ns", &f->runq_ns, false},   {"blocked_ns", &f->blocked_ns, false},
	    {"error_ns", &f->error_ns, false},
	};

	if (!json_is_string(obj) || !json_is_string(name) || (mangled && !json_is_string(mangled)))
		return -1;
	/* Files written before names had it have none: functions pair by name alone. */
	if (mangled && !(f->mangled = lat_profile_own(p, json_string_value(mangled))))
		return -1;
	f->object = lat_profile_own(p, json_string_value(obj));
	f->name = lat_profile_own(p, json_string_value(name));
	/* Go functions have no scheduler split (written only as false). */
	f->no_split = json_is_false(json_object_get(o, "sched_split"));
	if (!f->object || !f->name)
		return -1;
	if (json_read_u64s(o, counts, sizeof(counts) / sizeof(counts[0])))
		return -1;
	if (json_read_hist(json_object_get(o, "hist"), f->hist))
		return -1;
	if (json_object_get(o, "offcpu_hist") &&
	    json_read_hist(json_object_get(o, "offcpu_hist"), f->offcpu_hist))
		return -1;
	if (read_slices(json_object_get(o, "slices"), f))
		return -1;
	return hist_total(f->hist) == f->calls ? 0 : -1;
}

/* An array of strings, innermost first, into s->frames. */
static int read_frames(json_t *arr, struct lat_offcpu_stack *s)
{
	json_t *v;
	size_t i;

	if (!json_is_array(arr) || !json_array_size(arr) ||
	    !(s->frames = calloc(json_array_size(arr), sizeof(*s->frames))))
		return -1;
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v) || !(s->frames[i] = strdup(json_string_value(v))))
			return -1;
		s->nr++;
	}
	return 0;
}

/* One off-CPU stack: its function must be one of the profile's. */
static int read_offcpu_stack(const struct lat_profile *p, json_t *o, struct lat_offcpu_stack *s)
{
	const char *obj = json_string_value(json_object_get(o, "object"));
	const char *name = json_string_value(json_object_get(o, "function"));
	json_t *at = json_object_get(o, "frames_at");
	const struct json_u64_member counts[] = {
	    {"blocked_ns", &s->blocked_ns, true},
	    {"runq_ns", &s->runq_ns, true},
	    {"spans", &s->spans, false},
	};
	size_t i;

	if (!obj || !name || json_read_u64s(o, counts, sizeof(counts) / sizeof(counts[0])))
		return -1;
	for (i = 0; i < p->nr_funcs; i++)
		if (!strcmp(p->funcs[i].object, obj) && !strcmp(p->funcs[i].name, name))
			break;
	if (i == p->nr_funcs)
		return -1;
	s->object = p->funcs[i].object;
	s->name = p->funcs[i].name;
	return read_frames(at ? at : json_object_get(o, "frames"), s);
}

/* "offcpu_stacks", when the run had --offcpu-stacks. */
static int read_offcpu(struct lat_profile *p, json_t *arr)
{
	struct lat_offcpu_stack *v;
	size_t i, nr = 0;
	json_t *o;
	int err = 0;

	if (!arr)
		return 0;
	if (!json_is_array(arr) || !(v = calloc(json_array_size(arr) + 1, sizeof(*v))))
		return -1;
	json_array_foreach(arr, i, o)
	{
		nr++;
		if ((err = read_offcpu_stack(p, o, &v[i])))
			break;
	}
	if (err) {
		lat_offcpu_stacks_free(v, nr);
		return -1;
	}
	p->offcpu = true;
	lat_profile_set_offcpu(p, v, nr);
	return 0;
}

static int read_calibration(json_t *c, struct lat_profile *p)
{
	json_t *w = json_object_get(c, "window_ns"), *k = json_object_get(c, "call_ns");
	int i;

	if (!c)
		return 0;
	p->corrected = json_is_true(json_object_get(c, "corrected"));
	for (i = 0; i < 2; i++) {
		json_t *wi = json_array_get(w, i), *ki = json_array_get(k, i);

		if (!json_is_integer(wi) || !json_is_integer(ki))
			return -1;
		p->calib_window_ns[i] = (__u64)json_integer_value(wi);
		p->calib_call_ns[i] = (__u64)json_integer_value(ki);
	}
	return 0;
}

/* A function's object by its name (a file's tree names functions by name alone). */
static const char *object_of(const struct lat_profile *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nr_funcs; i++)
		if (!strcmp(p->funcs[i].name, name))
			return p->funcs[i].object;
	return NULL;
}

/*
 * One node of a file's tree: its path's caller is the last node read one
 * level up (at[], written so: each path after its caller's), and must have
 * the path's names up to its own.
 */
static int read_tree_node(struct lat_profile *p, json_t *v, size_t *at)
{
	struct lat_tree *t = p->tree;
	json_t *path = json_object_get(v, "path");
	size_t depth = json_array_size(path), k, i, parent = LAT_TREE_ROOT, node;
	const char *name, *own;
	struct lat_tree_node *n;
	__u64 calls, total, self;
	const struct json_u64_member m[] = {
	    {"calls", &calls, true}, {"total_ns", &total, true}, {"self_ns", &self, true}};

	if (!json_is_array(path) || depth == 0 || depth > SONDE_MAX_DEPTH)
		return -1;
	if (depth > 1) {
		parent = at[depth - 2];
		for (k = depth - 1, i = parent; k-- > 0; i = t->v[i].parent)
			if (i >= t->nr || !json_is_string(json_array_get(path, k)) ||
			    strcmp(t->v[i].name, json_string_value(json_array_get(path, k))))
				return -1;
		if (i != LAT_TREE_ROOT)
			return -1;
	}
	name = json_string_value(json_array_get(path, depth - 1));
	if (!name)
		return -1;
	if (json_read_u64s(v, m, 3) || !(own = lat_profile_own(p, name)))
		return -1;
	node = lat_tree_add(t, parent, object_of(p, name), own);
	if (node == LAT_TREE_ROOT)
		return -1;
	n = &t->v[node];
	n->calls = calls;
	n->total_ns = total;
	n->self_ns = self;
	at[depth - 1] = node;
	for (k = depth; k < SONDE_MAX_DEPTH; k++)
		at[k] = LAT_TREE_ROOT;
	return 0;
}

/* A file's tree (sonde lat --tree -o, format version 3): 0, or the bad node's index + 1. */
static size_t read_tree(struct lat_profile *p, json_t *arr)
{
	size_t at[SONDE_MAX_DEPTH], i;
	json_t *v;

	if (!arr)
		return 0;
	for (i = 0; i < SONDE_MAX_DEPTH; i++)
		at[i] = LAT_TREE_ROOT;
	if (!json_is_array(arr) || !(p->tree = calloc(1, sizeof(*p->tree))))
		return 1;
	json_array_foreach(arr, i, v)
	{
		if (read_tree_node(p, v, at))
			return i + 1;
	}
	return 0;
}

int lat_profile_from_json(const char *path, json_t *root, struct lat_profile **out)
{
	json_t *rep = json_object_get(root, "report"), *funcs, *drops, *threads, *v;
	struct lat_profile *p;
	const char *main_obj;
	size_t i;
	int d;

	funcs = json_object_get(rep, "functions");
	if (!json_is_object(rep) || !json_is_array(funcs))
		return sonde_fail(SONDE_EXIT_INPUT, "'%s' is corrupt: no report.functions", path);
	if (!json_array_size(funcs))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "'%s' is an empty profile: no function was traced", path);
	p = lat_profile_new(json_array_size(funcs));
	if (!p)
		return -ENOMEM;
	p->final = true;
	main_obj = json_string_value(json_object_get(root, "main_object"));
	p->main_object = main_obj && *main_obj ? lat_profile_own(p, main_obj) : NULL;
	p->sched = json_is_true(json_object_get(rep, "sched"));
	if (read_calibration(json_object_get(rep, "calibration"), p))
		goto corrupt;
	if (json_read_u64(rep, "duration_ns", &p->duration_ns, true) ||
	    json_read_u64(rep, "sched_resyncs", &p->sched_resyncs, false) ||
	    json_read_u64(rep, "slice_ns", &p->slice_ns, false))
		goto corrupt;
	threads = json_object_get(rep, "threads");
	if (threads && (json_read_u64(threads, "tracked", &p->threads_tracked, false) ||
			json_read_u64(threads, "freed", &p->threads_freed, false)))
		goto corrupt;
	drops = json_object_get(rep, "drops");
	for (d = 0; d < SONDE_DROP__COUNT; d++)
		if (drops && json_read_u64(drops, drop_name(d), &p->drops[d], false))
			goto corrupt;
	json_array_foreach(funcs, i, v)
	{
		if (read_function(p, v, &p->funcs[i])) {
			lat_profile_free(p);
			return sonde_fail(SONDE_EXIT_INPUT,
					  "'%s' is corrupt: report.functions[%zu] is malformed",
					  path, i);
		}
	}
	if (read_offcpu(p, json_object_get(rep, "offcpu_stacks"))) {
		lat_profile_free(p);
		return sonde_fail(SONDE_EXIT_INPUT,
				  "'%s' is corrupt: malformed report.offcpu_stacks", path);
	}
	i = read_tree(p, json_object_get(rep, "tree"));
	if (i) {
		lat_profile_free(p);
		return sonde_fail(SONDE_EXIT_INPUT,
				  "'%s' is corrupt: report.tree[%zu] is malformed", path, i - 1);
	}
	*out = p;
	return 0;
corrupt:
	lat_profile_free(p);
	return sonde_fail(SONDE_EXIT_INPUT, "'%s' is corrupt: malformed report header", path);
}
