// SPDX-License-Identifier: GPL-2.0
/*
 * sonde diff on latency profiles: functions paired by object role and name,
 * compared on the chosen metric of their histograms (Mann-Whitney U).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "diff/diff_lat.h"
#include "diff/diff_stats.h"
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

/* The pooled side of the bases, and the spread of the metric among them. */
static void pool_bases(struct diff_row *row, struct sonde_profile *const *bases, size_t nr,
		       const char *key, enum diff_metric m)
{
	__u64 total = 0, duration = 0;
	double v[DIFF__METRICS];
	size_t i;

	row->base_lo = INFINITY;
	row->base_hi = -INFINITY;
	for (i = 0; i < nr; i++) {
		const struct lat_profile *p = bases[i]->lat;
		const struct func_result *f = find_func(p, key, row->name, row->mangled);

		duration += p->duration_ns;
		if (!f || !f->calls)
			continue;
		side_add(&row->base, f);
		total += f->total_ns;
		metric_values(f->hist, f->min_ns, f->max_ns, f->calls, f->total_ns, v);
		row->base_lo = fmin(row->base_lo, v[m]);
		row->base_hi = fmax(row->base_hi, v[m]);
	}
	row->base.rate = duration ? row->base.calls / (duration / 1e9) : 0;
	metric_values(row->base.hist, row->base.min_ns, row->base.max_ns, row->base.calls, total,
		      row->base.value);
}

static double change_pct(double base, double now)
{
	return base > 0 ? (now - base) / base * 100 : 0;
}

static void judge(struct diff_row *r, size_t nr_bases, const struct diff_opts *o)
{
	double change, z;
	bool big, significant, outside;
	int m;

	if (!r->base.calls && !r->new.calls) {
		r->verdict = DIFF_UNCHANGED;
		r->severity = DIFF_NONE;
		r->p_value = 1;
		return;
	}
	if (!r->base.calls || !r->new.calls) {
		r->verdict = r->base.calls ? DIFF_GONE : DIFF_NEW;
		r->severity = DIFF_INFO;
		r->p_value = 1;
		return;
	}
	for (m = 0; m < DIFF__METRICS; m++)
		r->change_pct[m] = change_pct(r->base.value[m], r->new.value[m]);
	r->rate_change_pct = change_pct(r->base.rate, r->new.rate);
	r->p_value = mann_whitney_p(r->base.hist, r->new.hist, &z);
	change = r->change_pct[o->metric];
	big = fabs(change) > o->threshold_pct;
	/* The distributions must differ in the direction the metric moved. */
	significant = r->p_value < o->alpha && (change > 0 ? z > 0 : z < 0);
	/* With several bases, a change must also leave the range the bases span. */
	outside = nr_bases < 2 || (change > 0 ? r->new.value[o->metric] > r->base_hi
					      : r->new.value[o->metric] < r->base_lo);
	r->verdict = DIFF_UNCHANGED;
	r->severity = DIFF_NONE;
	if (!big || !significant || !outside)
		return;
	if (change > 0) {
		r->verdict = DIFF_REGRESSION;
		r->severity = change > o->critical_pct ? DIFF_CRITICAL : DIFF_WARNING;
	} else {
		r->verdict = DIFF_IMPROVEMENT;
		r->severity = DIFF_INFO;
	}
}

static void fill_new_side(struct diff_row *r, const struct lat_profile *p,
			  const struct func_result *f)
{
	if (f) {
		side_add(&r->new, f);
		metric_values(f->hist, f->min_ns, f->max_ns, f->calls, f->total_ns, r->new.value);
	}
	r->new.rate = p->duration_ns ? r->new.calls / (p->duration_ns / 1e9) : 0;
}

static int row_cmp(const void *a, const void *b, void *metric)
{
	const struct diff_row *x = a, *y = b;
	enum diff_metric m = *(const enum diff_metric *)metric;
	int c = diff_row_order(x->verdict, x->severity, x->change_pct[m], y->verdict, y->severity,
			       y->change_pct[m]);

	return c ? c : strcmp(x->name, y->name);
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

int diff_lat_compute(struct sonde_profile *const *bases, size_t nr_bases,
		     const struct sonde_profile *newp, const struct diff_opts *o,
		     struct diff_report *r)
{
	const struct lat_profile *np = newp->lat;
	size_t i, b, common = 0;
	struct diff_row *row;

	/* Rows for every function of the new profile, then those only the bases have. */
	for (i = 0; i < np->nr_funcs; i++) {
		const struct func_result *f = &np->funcs[i];
		const char *key = object_key(np, f->object);

		if (!(row = add_row(r, f->object, key, f)))
			return -ENOMEM;
		fill_new_side(row, np, f);
		pool_bases(row, bases, nr_bases, key, o->metric);
	}
	for (b = 0; b < nr_bases; b++) {
		const struct lat_profile *bp = bases[b]->lat;

		for (i = 0; i < bp->nr_funcs; i++) {
			const struct func_result *f = &bp->funcs[i];
			const char *key = object_key(bp, f->object);

			if (row_exists(r, key, f) || find_func(np, key, f->name, f->mangled))
				continue;
			if (!(row = add_row(r, f->object, key, f)))
				return -ENOMEM;
			fill_new_side(row, np, NULL);
			pool_bases(row, bases, nr_bases, key, o->metric);
		}
	}
	for (i = 0; i < r->nr_rows; i++) {
		judge(&r->rows[i], nr_bases, o);
		common += r->rows[i].base.calls && r->rows[i].new.calls;
		r->regressions += r->rows[i].verdict == DIFF_REGRESSION;
	}
	if (!common)
		return sonde_fail(SONDE_EXIT_INPUT, "no function was called in both the base and "
						    "the new profile; nothing to compare");
	qsort_r(r->rows, r->nr_rows, sizeof(*r->rows), row_cmp, &r->metric);
	return 0;
}
