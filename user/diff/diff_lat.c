// SPDX-License-Identifier: GPL-2.0
/*
 * sonde diff on latency profiles: functions paired by object role and name,
 * compared on the chosen metric in each run and each time slice
 * (user/diff/diff_judge.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "diff/diff_lat.h"
#include "diff/diff_judge.h"
#include "lat/lat_slices.h"
#include "core/hist.h"
#include "core/util.h"

/*
 * Functions pair by name and by object role: the main executable's path
 * changes between builds (/opt/v1/svc, /opt/v2/svc), a library keeps its name.
 */
static const char *object_key(const struct lat_profile *p, const char *object)
{
	const char *slash;

	if (p->main_object && !strcmp(object, p->main_object))
		return "";
	slash = strrchr(object, '/');
	return slash ? slash + 1 : object;
}

static bool same_mangled(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/*
 * The function of that name, and of that mangled name where several share
 * the name (C++'s D1 and D2 destructors, Rust generics of one path). A
 * mangled name that changed (a Rust hash, a file written before sonde kept
 * mangled names) still pairs when the name is unique; an ambiguous one
 * pairs with nothing rather than with the wrong function.
 */
static const struct func_result *find_func(const struct lat_profile *p, const char *key,
					   const char *name, const char *mangled)
{
	const struct func_result *only = NULL;
	size_t i, nr = 0;

	for (i = 0; i < p->nr_funcs; i++) {
		const struct func_result *f = &p->funcs[i];

		if (strcmp(f->name, name) || strcmp(object_key(p, f->object), key))
			continue;
		if (same_mangled(f->mangled, mangled))
			return f;
		only = f;
		nr++;
	}
	return nr == 1 ? only : NULL;
}

static void side_add(struct diff_side *s, const struct func_result *f)
{
	int b;

	s->calls += f->calls;
	for (b = 0; b < SONDE_HIST_BUCKETS; b++)
		s->hist[b] += f->hist[b];
	if (f->calls && (!s->min_ns || f->min_ns < s->min_ns))
		s->min_ns = f->min_ns;
	if (f->max_ns > s->max_ns)
		s->max_ns = f->max_ns;
}

static void metric_values(const __u64 *hist, __u64 min_ns, __u64 max_ns, __u64 calls,
			  __u64 total_ns, double *v)
{
	v[DIFF_P50] = hist_quantile(hist, min_ns, max_ns, 0.50);
	v[DIFF_P90] = hist_quantile(hist, min_ns, max_ns, 0.90);
	v[DIFF_P99] = hist_quantile(hist, min_ns, max_ns, 0.99);
	v[DIFF_MEAN] = calls ? (double)total_ns / (double)calls : 0;
}

/* Calls a slice needs before its metric means something: ten beyond the quantile. */
static __u64 slice_min_calls(enum diff_metric m)
{
	static const __u64 min[DIFF__METRICS] = {[DIFF_P50] = 20, [DIFF_P90] = 100,
						 [DIFF_P99] = 1000, [DIFF_MEAN] = 20};

	return min[m];
}

/* The metric in each slice of f with calls enough, appended to *v. */
static int add_slices(const struct func_result *f, enum diff_metric m, double **v, size_t *nr)
{
	__u64 hist[SONDE_HIST_BUCKETS];
	double mv[DIFF__METRICS];
	size_t k;

	for (k = 0; f->slices && k < f->slices->nr; k++) {
		const struct lat_slice *sl = &f->slices->s[k];
		double *nv;
		int first, last;

		if (sl->calls < slice_min_calls(m))
			continue;
		lat_slice_hist(sl, hist);
		if (hist_range(hist, &first, &last))
			continue;
		metric_values(hist, sonde_bucket_lower_ns(first), sonde_bucket_upper_ns(last) - 1,
			      sl->calls, sl->total_ns, mv);
		nv = realloc(*v, (*nr + 1) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		*v = nv;
		nv[(*nr)++] = mv[m];
	}
	return 0;
}

/*
 * One side of a row: its runs pooled (what the table shows), the metric in
 * each run it was called in, and in each slice of them (the evidence).
 */
static int fill_side(struct diff_side *s, double **slices, struct sonde_profile *const *runs,
		     size_t nr, const char *key, const struct diff_row *row, enum diff_metric m)
{
	__u64 total = 0, duration = 0;
	double v[DIFF__METRICS];
	size_t i;

	s->runs = calloc(nr ? nr : 1, sizeof(*s->runs));
	if (!s->runs)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		const struct lat_profile *p = runs[i]->lat;
		const struct func_result *f = find_func(p, key, row->name, row->mangled);

		duration += p->duration_ns;
		if (!f || !f->calls)
			continue;
		side_add(s, f);
		total += f->total_ns;
		metric_values(f->hist, f->min_ns, f->max_ns, f->calls, f->total_ns, v);
		s->runs[s->nr_runs++] = v[m];
		if (add_slices(f, m, slices, &s->nr_slices))
			return -ENOMEM;
	}
	s->rate = duration ? s->calls / (duration / 1e9) : 0;
	metric_values(s->hist, s->min_ns, s->max_ns, s->calls, total, s->value);
	return 0;
}

static double change_pct(double base, double now)
{
	return base > 0 ? (now - base) / base * 100 : 0;
}

static int judge(struct diff_row *r, const double *base_slices, const double *new_slices,
		 const struct diff_opts *o)
{
	struct diff_evidence b = {r->base.runs, r->base.nr_runs, base_slices, r->base.nr_slices};
	struct diff_evidence n = {r->new.runs, r->new.nr_runs, new_slices, r->new.nr_slices};
	struct diff_judgement j;
	size_t i;
	int m;

	r->base_lo = INFINITY;
	r->base_hi = -INFINITY;
	for (i = 0; i < r->base.nr_runs; i++) {
		r->base_lo = fmin(r->base_lo, r->base.runs[i]);
		r->base_hi = fmax(r->base_hi, r->base.runs[i]);
	}
	for (m = 0; m < DIFF__METRICS; m++)
		r->change_pct[m] = change_pct(r->base.value[m], r->new.value[m]);
	r->rate_change_pct = change_pct(r->base.rate, r->new.rate);
	diff_judge(&b, &n, DIFF_SCALE_RATIO, 0, o, &j);
	r->verdict = j.verdict;
	r->severity = j.severity;
	r->p_value = j.p_value;
	r->grounds = j.grounds;
	/* The chosen metric's change is the runs' (pooled for the others). */
	if (r->base.nr_runs && r->new.nr_runs)
		r->change_pct[o->metric] = j.change_pct;
	return 0;
}

static int fill_row(struct diff_row *row, const struct diff_runs *runs, const char *key,
		    const struct diff_opts *o)
{
	double *bs = NULL, *ns = NULL;
	int err = fill_side(&row->base, &bs, runs->base, runs->nr_base, key, row, o->metric);

	if (!err)
		err = fill_side(&row->new, &ns, runs->new, runs->nr_new, key, row, o->metric);
	if (!err)
		err = judge(row, bs, ns, o);
	free(bs);
	free(ns);
	return err;
}

static struct diff_row *add_row(struct diff_report *r, const char *object, const char *key,
				const struct func_result *f)
{
	struct diff_row *v = realloc(r->rows, (r->nr_rows + 1) * sizeof(*v));

	if (!v)
		return NULL;
	r->rows = v;
	memset(&v[r->nr_rows], 0, sizeof(v[0]));
	v[r->nr_rows].object = object;
	v[r->nr_rows].key = key;
	v[r->nr_rows].name = f->name;
	v[r->nr_rows].mangled = f->mangled;
	return &v[r->nr_rows++];
}

static bool row_exists(const struct diff_report *r, const char *key, const struct func_result *f)
{
	size_t i;

	for (i = 0; i < r->nr_rows; i++)
		if (!strcmp(r->rows[i].name, f->name) && !strcmp(r->rows[i].key, key) &&
		    same_mangled(r->rows[i].mangled, f->mangled))
			return true;
	return false;
}

/* The function is in one of the new runs (a row of its own already). */
static bool in_new_runs(const struct diff_runs *runs, const char *key,
			const struct func_result *f)
{
	size_t i;

	for (i = 0; i < runs->nr_new; i++)
		if (find_func(runs->new[i]->lat, key, f->name, f->mangled))
			return true;
	return false;
}

static int add_rows_of(struct diff_report *r, const struct diff_runs *runs,
		       const struct lat_profile *p, bool is_new)
{
	size_t i;

	for (i = 0; i < p->nr_funcs; i++) {
		const struct func_result *f = &p->funcs[i];
		const char *key = object_key(p, f->object);

		if (row_exists(r, key, f) || (!is_new && in_new_runs(runs, key, f)))
			continue;
		if (!add_row(r, f->object, key, f))
			return -ENOMEM;
	}
	return 0;
}

int diff_lat_compute(const struct diff_runs *runs, const struct diff_opts *o,
		     struct diff_report *r)
{
	size_t i, common = 0;
	int err = 0;

	/* Rows for every function of the new runs, then those only the bases have. */
	for (i = 0; !err && i < runs->nr_new; i++)
		err = add_rows_of(r, runs, runs->new[i]->lat, true);
	for (i = 0; !err && i < runs->nr_base; i++)
		err = add_rows_of(r, runs, runs->base[i]->lat, false);
	for (i = 0; !err && i < r->nr_rows; i++) {
		err = fill_row(&r->rows[i], runs, r->rows[i].key, o);
		common += r->rows[i].base.calls && r->rows[i].new.calls;
	}
	if (err)
		return err;
	if (!common)
		return sonde_fail(SONDE_EXIT_INPUT, "no function was called in both the base and "
						    "the new profile; nothing to compare");
	return 0;
}

/* The pairing and per-run metric above, for commands that follow functions
 * over a series of profiles (sonde trend) without diffing two sides. */
const char *diff_lat_key(const struct lat_profile *p, const char *object)
{
	return object_key(p, object);
}

const struct func_result *diff_lat_find(const struct lat_profile *p, const char *key,
					const char *name, const char *mangled)
{
	return find_func(p, key, name, mangled);
}

double diff_lat_run_metric(const struct func_result *f, enum diff_metric m)
{
	double v[DIFF__METRICS];

	metric_values(f->hist, f->min_ns, f->max_ns, f->calls, f->total_ns, v);
	return v[m];
}
