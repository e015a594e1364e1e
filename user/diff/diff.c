// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "diff/diff.h"
#include "diff/diff_judge.h"
#include "diff/diff_kind.h"

static void count_verdict(struct diff_report *r, enum diff_verdict v, unsigned runs_needed)
{
	r->regressions += v == DIFF_REGRESSION;
	if (v != DIFF_INCONCLUSIVE)
		return;
	r->inconclusive++;
	if (runs_needed >= DIFF_MAX_RUNS_NEEDED)
		r->too_noisy++;
	else if (runs_needed > r->runs_needed)
		r->runs_needed = runs_needed;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The change of a row, or a stack, judged from slices that vary less than a
 * single run may call (a stack that allocated once, at the start, is a step:
 * its slices say nothing of how the run moved); false for the others.
 */
static bool slice_change(const struct diff_report *r, size_t i, double *pct)
{
	const struct diff_grounds *g;

	if (i < r->nr_rows) {
		*pct = r->rows[i].change_pct[r->metric];
		g = &r->rows[i].grounds;
	} else {
		*pct = r->stacks[i - r->nr_rows].change_pct;
		g = &r->stacks[i - r->nr_rows].grounds;
	}
	return g->basis == DIFF_BY_SLICES && g->noise_pct <= DIFF_SINGLE_RUN_MIN_PCT;
}

static void uncall(enum diff_verdict *v, enum diff_severity *s, struct diff_grounds *g)
{
	if (g->basis != DIFF_BY_SLICES || (*v != DIFF_REGRESSION && *v != DIFF_IMPROVEMENT))
		return;
	*v = DIFF_INCONCLUSIVE;
	*s = DIFF_NONE;
	if (g->runs_needed < 3)
		g->runs_needed = 3;
}

/*
 * One run a side cannot see what moved between the runs; but when the run as
 * a whole moved (the median function changed by more than half the
 * threshold: a busier machine, another load), that is what it shows, and no
 * single function's change is told apart from it: none is called.
 */
static int judge_common_shift(struct diff_report *r, const struct diff_opts *o)
{
	size_t n = r->nr_rows + r->nr_stacks, k = 0, i;
	double *v = calloc(n ? n : 1, sizeof(*v)), pct;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (slice_change(r, i, &pct))
			v[k++] = pct;
	if (k >= DIFF_MIN_SHIFT_ROWS) {
		qsort(v, k, sizeof(*v), cmp_double);
		r->shift_pct = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
		r->shifted = fabs(r->shift_pct) > o->threshold_pct / 2;
	}
	free(v);
	for (i = 0; r->shifted && i < r->nr_rows; i++)
		uncall(&r->rows[i].verdict, &r->rows[i].severity, &r->rows[i].grounds);
	for (i = 0; r->shifted && i < r->nr_stacks; i++)
		uncall(&r->stacks[i].verdict, &r->stacks[i].severity, &r->stacks[i].grounds);
	return 0;
}

static int row_cmp(const void *a, const void *b, void *metric)
{
	const struct diff_row *x = a, *y = b;
	enum diff_metric m = *(const enum diff_metric *)metric;
	int c = diff_row_order(x->verdict, x->severity, x->change_pct[m], y->verdict, y->severity,
			       y->change_pct[m]);

	return c ? c : strcmp(x->name, y->name);
}

static int stack_cmp(const void *a, const void *b)
{
	const struct diff_stack_row *x = a, *y = b;
	int c = diff_row_order(x->verdict, x->severity, x->change_pct, y->verdict, y->severity,
			       y->change_pct);

	return c ? c : strcmp(x->name, y->name);
}

int diff_compute(const struct diff_runs *runs, const struct diff_opts *o,
		 struct diff_report **out)
{
	struct diff_report *r = calloc(1, sizeof(*r));
	size_t b, n, i;
	int err;

	if (!r)
		return -ENOMEM;
	r->kind = runs->new[0]->kind;
	r->metric = o->metric;
	r->nr_base_runs = runs->nr_base;
	r->nr_new_runs = runs->nr_new;
	err = diff_kind_of(r->kind)->diff(runs, o, r);
	if (!err)
		err = judge_common_shift(r, o);
	/* Regressions first, by severity and size (diff_row_order()), then by name. */
	qsort_r(r->rows, r->nr_rows, sizeof(*r->rows), row_cmp, &r->metric);
	qsort(r->stacks, r->nr_stacks, sizeof(*r->stacks), stack_cmp);
	if (err) {
		diff_report_free(r);
		return err;
	}
	for (i = 0; i < r->nr_rows; i++)
		count_verdict(r, r->rows[i].verdict, r->rows[i].grounds.runs_needed);
	for (i = 0; i < r->nr_stacks; i++)
		count_verdict(r, r->stacks[i].verdict, r->stacks[i].grounds.runs_needed);
	for (b = 0; b < runs->nr_base; b++)
		for (n = 0; n < runs->nr_new; n++)
			diff_note_build_ids(r, runs->base[b]->meta, runs->new[n]->meta);
	*out = r;
	return 0;
}
