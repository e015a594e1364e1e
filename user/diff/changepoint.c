// SPDX-License-Identifier: GPL-2.0
/* Change points by binary segmentation with Student's t (user/diff/changepoint.h). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "diff/changepoint.h"
#include "diff/diff_judge.h"

/*
 * The series on its scale, less its mean (so the sums of squares keep their
 * precision), with prefix sums: any segment's mean and sum of squared
 * deviations in O(1).
 */
struct series {
	size_t n;
	double centre;
	double *s1, *s2; /* s1[k]: sum of the first k values; s2[k]: of their squares */
	size_t *cuts;	 /* the model: sorted, each the first index of a segment */
	size_t nr_cuts;
	bool single_last; /* the last segment may be one run: the latest (not a run set aside) */
};

static double seg_sum(const struct series *s, size_t a, size_t b)
{
	return s->s1[b] - s->s1[a];
}

static double seg_mean(const struct series *s, size_t a, size_t b)
{
	return seg_sum(s, a, b) / (double)(b - a);
}

static double seg_ss(const struct series *s, size_t a, size_t b)
{
	double sum = seg_sum(s, a, b), ss = s->s2[b] - s->s2[a] - sum * sum / (double)(b - a);

	return ss > 0 ? ss : 0;
}

/* The segments of the model: [start(i), start(i + 1)) for i in 0..nr_cuts. */
static size_t seg_start(const struct series *s, size_t i)
{
	return i == 0 ? 0 : i > s->nr_cuts ? s->n : s->cuts[i - 1];
}

static double model_sse(const struct series *s)
{
	double sse = 0;
	size_t i;

	for (i = 0; i <= s->nr_cuts; i++)
		sse += seg_ss(s, seg_start(s, i), seg_start(s, i + 1));
	return sse;
}

/* A level on the series' own scale, and the change from one level to another. */
static double level(const struct series *s, const struct cp_opts *o, double m)
{
	return o->scale == CP_SCALE_LOG ? exp(m + s->centre) : m + s->centre;
}

static double change_pct(const struct series *s, const struct cp_opts *o, double from, double to)
{
	double base;

	if (o->scale == CP_SCALE_LOG)
		return expm1(to - from) * 100;
	base = fmax(fabs(from + s->centre), o->floor);
	return base > 0 ? (to - from) / base * 100 : 0;
}

/* Two-sided p of a difference d of means of groups of na and nb values, the
 * noise s2 (variance) from df degrees of freedom. */
static double diff_p(double d, double s2, size_t na, size_t nb, double df)
{
	double se = sqrt(s2 * (1.0 / (double)na + 1.0 / (double)nb));

	if (df < 1)
		return 1;
	if (se <= 0)
		return d != 0 ? 0 : 1;
	return student_t_p(d / se, df);
}

/* The best place to add cuts: one (j == 0) or two around [i, j). */
struct cand {
	size_t i, j;
	double p;
	size_t tried; /* places of its kind tried, for the correction */
};

static void consider(struct cand *c, size_t i, size_t j, double p)
{
	c->tried++;
	if (p < c->p) {
		c->i = i;
		c->j = j;
		c->p = p;
	}
}

/*
 * A level holds two runs at least: one run off on its own is an outlier, not
 * a level (one bad run would read as "changed, changed back"). Only the last
 * may hold one, and only in the series as it is: the latest run alone slower
 * is the regression a trend is read for.
 */
static bool seg_ok(const struct series *s, size_t a, size_t b)
{
	return b - a >= 2 || (s->single_last && b == s->n);
}

/*
 * A short level (under four runs) stands only when each of its runs moved
 * from the level beside it (mean ref) the same way, by half the threshold or
 * more: an outlier and a run beside it do not make a level.
 */
static bool level_agrees(const struct series *s, const struct cp_opts *o, size_t a, size_t b,
			 double ref)
{
	double whole = change_pct(s, o, ref, seg_mean(s, a, b));
	size_t k;

	for (k = a; b - a < 4 && k < b; k++) {
		double one = change_pct(s, o, ref, s->s1[k + 1] - s->s1[k]);

		if (one * whole <= 0 || fabs(one) < o->threshold_pct / 2)
			return false;
	}
	return true;
}

/* Every single cut of segment [a, b), given the rest of the model's sum of squares. */
static void try_singles(const struct series *s, const struct cp_opts *o, size_t a, size_t b,
			double rest, struct cand *c)
{
	double df = (double)s->n - (double)(s->nr_cuts + 2);
	size_t k;

	for (k = a + 1; k < b; k++) {
		double ml = seg_mean(s, a, k), mr = seg_mean(s, k, b);
		double sse = rest + seg_ss(s, a, k) + seg_ss(s, k, b);

		if (!seg_ok(s, a, k) || !seg_ok(s, k, b) || !level_agrees(s, o, a, k, mr) ||
		    !level_agrees(s, o, k, b, ml))
			continue;
		if (fabs(change_pct(s, o, ml, mr)) < o->threshold_pct) {
			c->tried++;
			continue;
		}
		consider(c, k, 0, diff_p(mr - ml, df > 0 ? sse / df : 0, k - a, b - k, df));
	}
}

/* Every stretch [i, j) strictly inside segment [a, b) against the segment's rest. */
static void try_pairs(const struct series *s, const struct cp_opts *o, size_t a, size_t b,
		      double rest, struct cand *c)
{
	double df = (double)s->n - (double)(s->nr_cuts + 2);
	double all = seg_sum(s, a, b), all2 = s->s2[b] - s->s2[a];
	size_t i, j;

	if (b - a > CP_MAX_PAIR_SEGMENT)
		return;
	for (i = a + 1; i < b; i++) {
		for (j = i + 1; j < b; j++) {
			size_t nin = j - i, nout = (b - a) - nin;
			double in = seg_sum(s, i, j), out = all - in;
			double out2 = all2 - (s->s2[j] - s->s2[i]);
			double ssout = fmax(out2 - out * out / (double)nout, 0);
			double mi = in / (double)nin, mo = out / (double)nout;
			double sse = rest + seg_ss(s, i, j) + ssout;

			if (!seg_ok(s, i, j) || !seg_ok(s, a, i) || !seg_ok(s, j, b) ||
			    !level_agrees(s, o, i, j, mo) || !level_agrees(s, o, a, i, mi) ||
			    !level_agrees(s, o, j, b, mi))
				continue;
			if (fabs(change_pct(s, o, mo, mi)) < o->threshold_pct) {
				c->tried++;
				continue;
			}
			consider(c, i, j, diff_p(mi - mo, df > 0 ? sse / df : 0, nin, nout, df));
		}
	}
}

/*
 * Every cut of segment [a, b) judged in windows of w runs either side (2, 4,
 * 8, ...), the noise from those windows alone: where a series steps often
 * (up, down, up), the noise pooled over a whole segment holds the other
 * steps, and hides them all.
 */
static void try_windows(const struct series *s, const struct cp_opts *o, size_t a, size_t b,
			struct cand *c)
{
	size_t k, w;

	for (w = 2; w < b - a; w *= 2) {
		for (k = a + w; k + w <= b; k++) {
			double ml = seg_mean(s, k - w, k), mr = seg_mean(s, k, k + w);
			double df = 2.0 * (double)w - 2;

			if (fabs(change_pct(s, o, ml, mr)) < o->threshold_pct ||
			    !level_agrees(s, o, k - w, k, mr) ||
			    !level_agrees(s, o, k, k + w, ml)) {
				c->tried++;
				continue;
			}
			consider(c, k, 0,
				 diff_p(mr - ml, (seg_ss(s, k - w, k) + seg_ss(s, k, k + w)) / df,
					w, w, df));
		}
	}
}

static void add_cut(struct series *s, size_t k)
{
	size_t i = s->nr_cuts;

	while (i && s->cuts[i - 1] > k) {
		s->cuts[i] = s->cuts[i - 1];
		i--;
	}
	s->cuts[i] = k;
	s->nr_cuts++;
}

/* One more cut (or pair): true when one was significant and added. */
static bool grow(struct series *s, const struct cp_opts *o)
{
	struct cand one = {.p = 2}, two = {.p = 2}, local = {.p = 2};
	double sse = model_sse(s);
	size_t i;

	for (i = 0; i <= s->nr_cuts; i++) {
		size_t a = seg_start(s, i), b = seg_start(s, i + 1);
		double rest = sse - seg_ss(s, a, b);

		try_singles(s, o, a, b, rest, &one);
		try_pairs(s, o, a, b, rest, &two);
		try_windows(s, o, a, b, &local);
	}
	if (one.tried && one.p * (double)one.tried < o->alpha) {
		add_cut(s, one.i);
		return true;
	}
	if (two.tried && two.p * (double)two.tried < o->alpha) {
		add_cut(s, two.i);
		add_cut(s, two.j);
		return true;
	}
	if (local.tried && local.p * (double)local.tried < o->alpha) {
		add_cut(s, local.i);
		return true;
	}
	return false;
}

/* Cut k (0-based among the cuts) against its neighbours under the whole model;
 * false when a level beside it is short and its runs do not agree. */
static bool test_cut(const struct series *s, const struct cp_opts *o, size_t k, double s2,
		     double df, struct changepoint *cp)
{
	size_t a = seg_start(s, k), c = seg_start(s, k + 1), b = seg_start(s, k + 2);
	double ml = seg_mean(s, a, c), mr = seg_mean(s, c, b);

	cp->index = c;
	cp->before = level(s, o, ml);
	cp->after = level(s, o, mr);
	cp->change_pct = change_pct(s, o, ml, mr);
	cp->p_value = fmin(1, diff_p(mr - ml, s2, c - a, b - c, df) * (double)(s->n - 1));
	return level_agrees(s, o, a, c, mr) && level_agrees(s, o, c, b, ml);
}

/* Drop the weakest cut that no longer holds, until all do; their figures into cps. */
static void prune(struct series *s, const struct cp_opts *o, struct changepoint *cps)
{
	while (s->nr_cuts) {
		double df = (double)s->n - (double)(s->nr_cuts + 1);
		double s2 = df > 0 ? model_sse(s) / df : 0;
		size_t k, worst = s->nr_cuts;
		double worst_p = -1;

		for (k = 0; k < s->nr_cuts; k++) {
			struct changepoint *cp = &cps[k];
			bool agrees = test_cut(s, o, k, s2, df, cp);
			double weight;

			/* Too small a change (or a level that is not one) goes before
			 * one merely unsure. */
			weight =
			    !agrees || fabs(cp->change_pct) < o->threshold_pct ? 2 : cp->p_value;
			if ((weight > 1 || cp->p_value >= o->alpha) && weight > worst_p) {
				worst = k;
				worst_p = weight;
			}
		}
		if (worst == s->nr_cuts)
			return;
		memmove(&s->cuts[worst], &s->cuts[worst + 1],
			(s->nr_cuts - worst - 1) * sizeof(*s->cuts));
		s->nr_cuts--;
	}
}

static int series_init(struct series *s, const double *x, size_t n, const struct cp_opts *o,
		       bool single_last)
{
	size_t k;

	memset(s, 0, sizeof(*s));
	s->n = n;
	s->single_last = single_last;
	s->s1 = calloc(n + 1, sizeof(*s->s1));
	s->s2 = calloc(n + 1, sizeof(*s->s2));
	s->cuts = calloc(n, sizeof(*s->cuts));
	if (!s->s1 || !s->s2 || !s->cuts)
		return -ENOMEM;
	for (k = 0; k < n; k++)
		s->centre += (o->scale == CP_SCALE_LOG ? log(x[k]) : x[k]) / (double)n;
	for (k = 0; k < n; k++) {
		double y = (o->scale == CP_SCALE_LOG ? log(x[k]) : x[k]) - s->centre;

		s->s1[k + 1] = s->s1[k] + y;
		s->s2[k + 1] = s->s2[k] + y * y;
	}
	return 0;
}

static void series_free(struct series *s)
{
	free(s->s1);
	free(s->s2);
	free(s->cuts);
}

/* The change points of x under o, each p multiplied by `factor` (and the
 * decision made at alpha / factor): one of several analyses of one series. */
static int segment(const double *x, size_t n, const struct cp_opts *o, double factor,
		   bool single_last, struct changepoint **out, size_t *nr)
{
	struct cp_opts strict = *o;
	struct changepoint *cps = NULL;
	struct series s;
	size_t k;
	int err;

	*out = NULL;
	*nr = 0;
	if (n < 3)
		return 0;
	strict.alpha = o->alpha / factor;
	err = series_init(&s, x, n, o, single_last);
	/* Each step adds a cut at a new place, and a cut leaves df >= 1: at most n - 2. */
	while (!err && s.nr_cuts + 2 < n && grow(&s, &strict))
		;
	if (!err && s.nr_cuts && !(cps = calloc(s.nr_cuts, sizeof(*cps))))
		err = -ENOMEM;
	if (!err && cps) {
		prune(&s, &strict, cps);
		for (k = 0; k < s.nr_cuts; k++)
			cps[k].p_value = fmin(1, cps[k].p_value * factor);
		*nr = s.nr_cuts;
		*out = cps;
		if (!s.nr_cuts) {
			free(cps);
			*out = NULL;
		}
	}
	series_free(&s);
	return err;
}

/*
 * x without run j; the points found are mapped back to x's indices. One run
 * off on its own (the machine busy through it) would otherwise widen the noise
 * of its level enough to hide a real change.
 */
static int without_run(const double *x, size_t n, size_t j, const struct cp_opts *o,
		       struct changepoint **out, size_t *nr)
{
	double *y = malloc((n - 1) * sizeof(*y));
	size_t k;
	int err;

	*out = NULL;
	*nr = 0;
	if (!y)
		return -ENOMEM;
	memcpy(y, x, j * sizeof(*y));
	memcpy(y + j, x + j + 1, (n - j - 1) * sizeof(*y));
	/* Its last run is the latest only when the one set aside was not. */
	err = segment(y, n - 1, o, 2.0 * (double)n, j != n - 1, out, nr);
	for (k = 0; !err && k < *nr; k++)
		(*out)[k].index += (*out)[k].index >= j;
	free(y);
	return err;
}

/* The run farthest from the mean of its level, the levels cut at points[]. */
static size_t farthest_run(const double *x, size_t n, const struct cp_opts *o,
			   const struct changepoint *points, size_t nr)
{
	size_t seg, a = 0, b, k, far = 0;
	double worst = -1;

	for (seg = 0; seg <= nr; seg++, a = b) {
		double mean = 0;

		b = seg < nr ? points[seg].index : n;
		for (k = a; k < b; k++)
			mean += (o->scale == CP_SCALE_LOG ? log(x[k]) : x[k]) / (double)(b - a);
		for (k = a; k < b; k++) {
			double d = fabs((o->scale == CP_SCALE_LOG ? log(x[k]) : x[k]) - mean);

			if (d > worst) {
				worst = d;
				far = k;
			}
		}
	}
	return far;
}

int changepoints_find(const double *x, size_t n, const struct cp_opts *o, struct cp_result *res)
{
	struct changepoint *alt = NULL;
	size_t j, nr_alt = 0;
	int err;

	memset(res, 0, sizeof(*res));
	res->outlier = CP_NO_OUTLIER;
	/*
	 * Half of alpha for the series as it is, the other half shared by the n
	 * series without one run each: the union of all is still at alpha. Of
	 * those n, only the one without the run farthest from its level is
	 * searched (the others could only do worse, and a union bound holds for
	 * any part of the union).
	 */
	err = segment(x, n, o, 2, true, &res->points, &res->nr_points);
	if (!err && n >= 4) {
		j = farthest_run(x, n, o, res->points, res->nr_points);
		err = without_run(x, n, j, o, &alt, &nr_alt);
		/* Only for more points: on a tie the series as it is stands. */
		if (!err && nr_alt > res->nr_points) {
			free(res->points);
			res->points = alt;
			res->nr_points = nr_alt;
			res->outlier = j;
			alt = NULL;
		}
	}
	free(alt);
	if (err) {
		free(res->points);
		memset(res, 0, sizeof(*res));
	}
	return err;
}
