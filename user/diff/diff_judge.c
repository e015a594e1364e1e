// SPDX-License-Identifier: GPL-2.0
/*
 * One verdict rule for every kind of diff. Values are first put on one scale
 * (x): the log of a latency, or a growth as a fraction of the base's; a change
 * is then the difference d of the sides' mean x, and the noise the spread of x
 * between runs. The method and its defaults are in docs/verdicts.md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "diff/diff_judge.h"

/* The power runs_needed aims at, and its bounds. */
#define POWER_Z 0.8416 /* the normal quantile of 0.8 */
/* Equivalence ("unchanged") is shown at this level, whatever --alpha says. */
#define EQUIV_ALPHA 0.05

/* Lentz's continued fraction for the incomplete beta function. */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;
	int m;

	d = 1 / (fabs(d) < tiny ? tiny : d);
	h = d;
	for (m = 1; m <= 300; m++) {
		double aa = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)), del;

		d = 1 + aa * d;
		c = 1 + aa / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-14)
			break;
	}
	return h;
}

/* The regularized incomplete beta function I_x(a, b). */
static double beta_inc(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, 1 - x) / b;
}

double student_t_p(double t, double df)
{
	if (isnan(t) || df <= 0)
		return 1;
	if (isinf(t))
		return 0;
	return beta_inc(df / 2, 0.5, df / (df + t * t));
}

double student_t_quantile(double q, double df)
{
	double lo = 0, hi = 1e7, mid;
	int i;

	if (q == 0.5)
		return 0;
	if (q < 0.5)
		return -student_t_quantile(1 - q, df);
	/* P(T < t) = q  <=>  two-sided p(t) = 2 (1 - q); p falls as t grows. */
	for (i = 0; i < 200 && hi - lo > 1e-10 * (1 + lo); i++) {
		mid = (lo + hi) / 2;
		if (student_t_p(mid, df) > 2 * (1 - q))
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

static double mean_of(const double *v, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i];
	return n ? s / (double)n : 0;
}

/* Sum of squared deviations from the mean. */
static double dev2_of(const double *v, size_t n, double mean)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += (v[i] - mean) * (v[i] - mean);
	return s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q quantile of v (sorted in place). */
static double quantile_of(double *v, size_t n, double q)
{
	double pos, frac;
	size_t i;

	qsort(v, n, sizeof(*v), cmp_double);
	pos = q * (double)(n - 1);
	i = (size_t)pos;
	frac = pos - (double)i;
	return i + 1 < n ? v[i] * (1 - frac) + v[i + 1] * frac : v[n - 1];
}

struct scaled {
	enum diff_scale scale;
	double ref; /* LINEAR: what a fraction is of */
};

static double to_x(const struct scaled *s, double v)
{
	/* 1 ns added so that a leaf corrected to 0 ns has a logarithm. */
	return s->scale == DIFF_SCALE_RATIO ? log(fmax(v, 0) + 1) : v / s->ref;
}

static double to_pct(const struct scaled *s, double d)
{
	return s->scale == DIFF_SCALE_RATIO ? expm1(d) * 100 : d * 100;
}

/* The threshold on the x scale: how far x must move to change by pct. */
static double pct_to_x(const struct scaled *s, double pct)
{
	return s->scale == DIFF_SCALE_RATIO ? log1p(pct / 100) : pct / 100;
}

static double *scaled_copy(const struct scaled *s, const double *v, size_t n)
{
	double *x = malloc((n ? n : 1) * sizeof(*x));
	size_t i;

	for (i = 0; x && i < n; i++)
		x[i] = to_x(s, v[i]);
	return x;
}

/*
 * Runs a side that would likely settle it: enough to show the change (at
 * alpha, power 0.8) when it is beyond the threshold, or to show it within the
 * threshold when it is not. sd is the spread of one run on the x scale.
 */
static unsigned runs_needed(double sd, double d, double thr_x, double alpha, size_t have)
{
	double z, gap, n;

	if (fabs(d) >= thr_x) {
		z = student_t_quantile(1 - alpha / 2, 1e6) + POWER_Z;
		gap = fabs(d);
	} else {
		z = student_t_quantile(1 - EQUIV_ALPHA, 1e6) + POWER_Z;
		gap = thr_x - fabs(d);
	}
	n = gap > 0 ? ceil(2 * z * z * sd * sd / (gap * gap)) : DIFF_MAX_RUNS_NEEDED;
	n = fmax(n, (double)have + 1);
	n = fmax(n, 3);
	return (unsigned)fmin(n, DIFF_MAX_RUNS_NEEDED);
}

static void call(struct diff_judgement *j, double change, const struct diff_opts *o)
{
	if (change > 0) {
		j->verdict = DIFF_REGRESSION;
		j->severity = change > o->critical_pct ? DIFF_CRITICAL : DIFF_WARNING;
	} else {
		j->verdict = DIFF_IMPROVEMENT;
		j->severity = DIFF_INFO;
	}
}

/*
 * Not called: unchanged when the 90 % interval of the change d (standard
 * error se, df degrees of freedom) lies within the threshold; else
 * inconclusive, with the runs a side that would likely tell at spread sd.
 */
static void settle(struct diff_judgement *j, double d, double se, double df, double sd,
		   const struct scaled *s, const struct diff_opts *o, size_t have)
{
	double tq = se > 0 ? student_t_quantile(1 - EQUIV_ALPHA, df) : 0;
	double thr_x = fabs(pct_to_x(s, o->threshold_pct));

	if (to_pct(s, d - tq * se) > -o->threshold_pct && to_pct(s, d + tq * se) < o->threshold_pct) {
		j->verdict = DIFF_UNCHANGED;
		return;
	}
	j->verdict = DIFF_INCONCLUSIVE;
	j->grounds.runs_needed = runs_needed(sd, d, thr_x, o->alpha, have);
}

/* Two or more runs on a side: Student's t over the runs' values. */
static void judge_runs(const double *xb, size_t nb, const double *xn, size_t nn,
		       const struct scaled *s, const struct diff_opts *o, struct diff_judgement *j)
{
	double mb = mean_of(xb, nb), mn = mean_of(xn, nn), d = mn - mb;
	double df = (double)(nb + nn - 2);
	double sd = sqrt((dev2_of(xb, nb, mb) + dev2_of(xn, nn, mn)) / df);
	double se = sd * sqrt(1.0 / (double)nb + 1.0 / (double)nn), tq;
	double bmin = INFINITY, bmax = -INFINITY;
	bool outside = true;
	size_t i;

	j->grounds.basis = DIFF_BY_RUNS;
	j->change_pct = to_pct(s, d);
	j->grounds.noise_pct = fabs(to_pct(s, sd));
	if (se > 0) {
		j->p_value = student_t_p(d / se, df);
		tq = student_t_quantile(1 - o->alpha / 2, df);
	} else {
		j->p_value = d != 0 ? 0 : 1;
		tq = 0;
	}
	j->grounds.lo_pct = to_pct(s, d - tq * se);
	j->grounds.hi_pct = to_pct(s, d + tq * se);
	/* With several bases, a change must also leave the range they span. */
	for (i = 0; i < nb; i++) {
		bmin = fmin(bmin, xb[i]);
		bmax = fmax(bmax, xb[i]);
	}
	if (nb >= 2)
		outside = d > 0 ? mn > bmax : mn < bmin;
	if (fabs(j->change_pct) > o->threshold_pct && j->p_value < o->alpha && outside) {
		call(j, j->change_pct, o);
		return;
	}
	settle(j, d, se, df, sd, s, o, nb > nn ? nb : nn);
}

/*
 * One run a side: the runs' own slices stand in for runs. They cannot see
 * what moves between runs (other tenants, frequency), so only a large change
 * is called, and only when the slices agree: Welch's t over them, and the
 * new run's slices all but clear of the base's (10th and 90th percentiles).
 */
static void judge_slices(double xb_run, double xn_run, double *xb, size_t kb, double *xn,
			 size_t kn, const struct scaled *s, const struct diff_opts *o,
			 struct diff_judgement *j)
{
	double d = xn_run - xb_run, mb = mean_of(xb, kb), mn = mean_of(xn, kn);
	double vb = dev2_of(xb, kb, mb) / (double)(kb - 1), vn = dev2_of(xn, kn, mn) / (double)(kn - 1);
	double se = sqrt(vb / (double)kb + vn / (double)kn), df, tq;
	double big = fmax(o->threshold_pct, DIFF_SINGLE_RUN_MIN_PCT), sd = sqrt((vb + vn) / 2);
	bool agree;

	j->grounds.basis = DIFF_BY_SLICES;
	j->change_pct = to_pct(s, d);
	j->grounds.noise_pct = fabs(to_pct(s, sd));
	/* Welch-Satterthwaite degrees of freedom. */
	df = se > 0 ? pow(se, 4) / (pow(vb / kb, 2) / (kb - 1) + pow(vn / kn, 2) / (kn - 1)) : 1;
	if (se > 0) {
		j->p_value = student_t_p((mn - mb) / se, df);
		tq = student_t_quantile(1 - o->alpha / 2, df);
	} else {
		j->p_value = mn != mb ? 0 : 1;
		tq = 0;
	}
	j->grounds.lo_pct = to_pct(s, d - tq * se);
	j->grounds.hi_pct = to_pct(s, d + tq * se);
	agree = d > 0 ? quantile_of(xn, kn, 0.1) > quantile_of(xb, kb, 0.9)
		      : quantile_of(xn, kn, 0.9) < quantile_of(xb, kb, 0.1);
	if (fabs(j->change_pct) > big && j->p_value < o->alpha && (mn - mb) * d > 0 && agree) {
		call(j, j->change_pct, o);
		return;
	}
	settle(j, d, se, df, sd, s, o, 1);
}

void diff_judge(const struct diff_evidence *base, const struct diff_evidence *now,
		enum diff_scale scale, double floor, const struct diff_opts *o,
		struct diff_judgement *j)
{
	struct scaled s = {.scale = scale, .ref = 1};
	double *xb = NULL, *xn = NULL;

	memset(j, 0, sizeof(*j));
	j->verdict = DIFF_INCONCLUSIVE;
	j->severity = DIFF_NONE;
	j->grounds.basis = DIFF_BY_NOTHING;
	j->p_value = 1;
	if (!base->nr_runs || !now->nr_runs) {
		j->verdict = base->nr_runs ? DIFF_GONE : DIFF_NEW;
		j->severity = DIFF_INFO;
		return;
	}
	if (scale == DIFF_SCALE_LINEAR)
		s.ref = fmax(fabs(mean_of(base->runs, base->nr_runs)), floor);
	if (base->nr_runs + now->nr_runs >= 3) {
		xb = scaled_copy(&s, base->runs, base->nr_runs);
		xn = scaled_copy(&s, now->runs, now->nr_runs);
		if (xb && xn)
			judge_runs(xb, base->nr_runs, xn, now->nr_runs, &s, o, j);
	} else if (base->nr_slices >= DIFF_MIN_SLICES && now->nr_slices >= DIFF_MIN_SLICES) {
		xb = scaled_copy(&s, base->slices, base->nr_slices);
		xn = scaled_copy(&s, now->slices, now->nr_slices);
		if (xb && xn)
			judge_slices(to_x(&s, base->runs[0]), to_x(&s, now->runs[0]), xb,
				     base->nr_slices, xn, now->nr_slices, &s, o, j);
	} else {
		/* One run a side, too short to slice: nothing to weigh a change against. */
		j->change_pct = to_pct(&s, to_x(&s, now->runs[0]) - to_x(&s, base->runs[0]));
		j->grounds.runs_needed = 3;
	}
	free(xb);
	free(xn);
}
