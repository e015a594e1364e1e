// SPDX-License-Identifier: GPL-2.0
/* JSON renderer: one object per report, one line each, field names per DESIGN.md. */
#include <errno.h>
#include <jansson.h>
#include "hist.h"
#include "report.h"

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
	return o;
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
cleanup:
	json_decref(drops);
	json_decref(funcs);
	return root;
}

int report_lat_json(FILE *f, const struct lat_profile *p)
{
	json_t *root = lat_profile_json(p);
	int err = 0;

	if (!root)
		return -ENOMEM;
	if (json_dumpf(root, f, JSON_COMPACT | JSON_PRESERVE_ORDER))
		err = -EIO;
	fputc('\n', f);
	fflush(f);
	json_decref(root);
	return err;
}
