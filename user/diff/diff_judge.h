/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verdict of sonde diff, one rule for every kind (docs/verdicts.md): the
 * unit of evidence is a run, not a call. A function's (or a stack's) metric in
 * each base run is compared with its metric in each new run; with one run a
 * side, the time slices of the two runs stand in for runs, and only a large
 * change they agree on is called.
 */
#ifndef SONDE_DIFF_JUDGE_H
#define SONDE_DIFF_JUDGE_H

#include <stdbool.h>
#include <stddef.h>
#include "diff/diff_core.h"

/* runs_needed at most: more would not settle it either (the noise is the metric's own). */
#define DIFF_MAX_RUNS_NEEDED 100
/* With one run a side, a change is called only from this size (and --threshold). */
#define DIFF_SINGLE_RUN_MIN_PCT 50.0
/* Rows judged by slices from which their median change says the run moved as a whole. */
#define DIFF_MIN_SHIFT_ROWS 3
/* Slices a side below which a single run says nothing. */
#define DIFF_MIN_SLICES 3

/* One side's evidence: the metric in each run, and in each slice of its runs. */
struct diff_evidence {
	const double *runs;
	size_t nr_runs;
	const double *slices;
	size_t nr_slices;
};

/* How values compare: latency as ratios (log scale), memory growth as a
 * difference relative to the base's size, no less than floor (bytes/s). */
enum diff_scale { DIFF_SCALE_RATIO, DIFF_SCALE_LINEAR };

struct diff_judgement {
	enum diff_verdict verdict; /* regression, improvement, unchanged or inconclusive */
	enum diff_severity severity;
	double change_pct; /* new against base, from the runs' values */
	double p_value;	   /* the change is no accident of the noise (two-sided) */
	struct diff_grounds grounds;
};

void diff_judge(const struct diff_evidence *base, const struct diff_evidence *now,
		enum diff_scale scale, double floor, const struct diff_opts *o,
		struct diff_judgement *j);

/* Student's t: two-sided p of t with df degrees of freedom, and the quantile
 * t such that P(T < t) = q (exported for the unit tests). */
double student_t_p(double t, double df);
double student_t_quantile(double q, double df);

#endif
