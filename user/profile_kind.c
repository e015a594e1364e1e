// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include "diff_lat.h"
#include "diff_mem.h"
#include "hist.h"
#include "mem_profile_json.h"
#include "mem_report.h"
#include "profile_kind.h"
#include "report_diff.h"
#include "util.h"

static int read_hist(json_t *arr, __u64 *hist)
{
	json_t *pair;
	size_t i;

	if (!json_is_array(arr))
		return -1;
	json_array_foreach(arr, i, pair)
	{
		json_t *lo = json_array_get(pair, 0), *cnt = json_array_get(pair, 1);
		json_int_t lower, count;
		__u32 b;

		if (json_array_size(pair) != 2 || !json_is_integer(lo) || !json_is_integer(cnt))
			return -1;
		lower = json_integer_value(lo);
		count = json_integer_value(cnt);
		if (lower < 0 || count < 0)
			return -1;
		b = sonde_bucket_of_ns((__u64)lower);
		/* A lower bound that is not a bucket's is not ours. */
		if (sonde_bucket_lower_ns(b) != (__u64)lower)
			return -1;
		hist[b] += (__u64)count;
	}
	return 0;
}

static int read_u64(json_t *o, const char *key, __u64 *out, bool required)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return required ? -1 : 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (__u64)json_integer_value(v);
	return 0;
}

static int read_function(struct lat_profile *p, json_t *o, struct func_result *f)
{
	json_t *obj = json_object_get(o, "object"), *name = json_object_get(o, "name");
	json_t *mangled = json_object_get(o, "mangled");

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
	if (read_u64(o, "calls", &f->calls, true) || read_u64(o, "total_ns", &f->total_ns, true) ||
	    read_u64(o, "self_ns", &f->self_ns, true) || read_u64(o, "min_ns", &f->min_ns, true) ||
	    read_u64(o, "max_ns", &f->max_ns, true) ||
	    read_u64(o, "oncpu_ns", &f->oncpu_ns, false) ||
	    read_u64(o, "runq_ns", &f->runq_ns, false) ||
	    read_u64(o, "blocked_ns", &f->blocked_ns, false) ||
	    read_u64(o, "error_ns", &f->error_ns, false))
		return -1;
	if (read_hist(json_object_get(o, "hist"), f->hist))
		return -1;
	if (json_object_get(o, "offcpu_hist") &&
	    read_hist(json_object_get(o, "offcpu_hist"), f->offcpu_hist))
		return -1;
	return hist_total(f->hist) == f->calls ? 0 : -1;
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

static int read_lat(const char *path, json_t *root, struct lat_profile **out)
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
	if (read_u64(rep, "duration_ns", &p->duration_ns, true) ||
	    read_u64(rep, "sched_resyncs", &p->sched_resyncs, false))
		goto corrupt;
	threads = json_object_get(rep, "threads");
	if (threads && (read_u64(threads, "tracked", &p->threads_tracked, false) ||
			read_u64(threads, "freed", &p->threads_freed, false)))
		goto corrupt;
	drops = json_object_get(rep, "drops");
	for (d = 0; d < SONDE_DROP__COUNT; d++)
		if (drops && read_u64(drops, drop_name(d), &p->drops[d], false))
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
	*out = p;
	return 0;
corrupt:
	lat_profile_free(p);
	return sonde_fail(SONDE_EXIT_INPUT, "'%s' is corrupt: malformed report header", path);
}

static int read_mem(const char *path, json_t *root, struct sonde_profile *sp)
{
	json_t *top = json_object_get(root, "top");

	sp->mem = mem_profile_from_json(json_object_get(root, "model"));
	if (!sp->mem)
		return sonde_fail(SONDE_EXIT_INPUT, "'%s' is corrupt: malformed memory model",
				  path);
	if (!sp->mem->nr_stacks)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "'%s' is an empty profile: no allocation was traced", path);
	sp->mem_top = json_is_integer(top) && json_integer_value(top) > 0
			  ? (size_t)json_integer_value(top)
			  : 10;
	return 0;
}

static int read_lat_kind(const char *path, json_t *root, struct sonde_profile *sp)
{
	return read_lat(path, root, &sp->lat);
}

static void free_lat(struct sonde_profile *sp)
{
	lat_profile_free(sp->lat);
}

static void free_mem(struct sonde_profile *sp)
{
	mem_profile_free(sp->mem);
}

static int report_lat(FILE *f, const struct sonde_profile *sp, const struct report_opts *o,
		      bool json)
{
	if (json)
		return report_lat_json(f, sp->lat);
	report_lat_term(f, sp->lat, o);
	return 0;
}

static int report_mem(FILE *f, const struct sonde_profile *sp, const struct report_opts *o,
		      bool json)
{
	struct mem_report_opts mo = {.color = o->color, .top = sp->mem_top};

	if (json)
		return mem_report_json(f, sp->mem, &mo);
	mem_report_term(f, sp->mem, &mo);
	return 0;
}

static const struct profile_kind_ops kinds[] = {
    [PROFILE_LAT] = {.kind = PROFILE_LAT,
		     .name = "lat",
		     .read = read_lat_kind,
		     .free = free_lat,
		     .report = report_lat,
		     .diff = diff_lat_compute,
		     .diff_term = report_lat_diff_term},
    [PROFILE_MEM] = {.kind = PROFILE_MEM,
		     .name = "mem",
		     .read = read_mem,
		     .free = free_mem,
		     .report = report_mem,
		     .diff = diff_mem_compute,
		     .diff_term = report_mem_diff_term},
};

const struct profile_kind_ops *profile_kind_of(enum profile_kind kind)
{
	return &kinds[kind];
}

const struct profile_kind_ops *profile_kind_named(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, name))
			return &kinds[i];
	return NULL;
}
