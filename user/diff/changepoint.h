/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Change points in a series of runs (sonde trend): the places where a
 * function's metric (or a stack's growth) moved from one level to another
 * and stayed there, told apart from the noise between runs.
 *
 * The method, binary segmentation with Student's t (docs/verdicts.md):
 *  - the series is cut, one cut at a time, where the cut explains the most:
 *    the largest t of the two new segments' means, with the noise pooled
 *    within all segments of the model (so a second step elsewhere does not
 *    pass for noise). A cut counts only when its change is at least
 *    threshold_pct and its p, times the number of places tried (Bonferroni),
 *    is below alpha. When no single cut does, a pair of cuts around a stretch
 *    that went up and came back (circular binary segmentation, Olshen et al.
 *    2004) is tried the same way: one cut cannot see it.
 *  - then every cut is tested again between its neighbouring cuts, under the
 *    final model, with p times the n - 1 places a change could be; the
 *    weakest that fails goes, until all pass.
 *  - a level holds two runs at least, but for the last (the latest run
 *    alone slower is what a trend is read for); one of fewer than four runs
 *    stands only when each of its runs moved the same way by half the
 *    threshold or more, so that one bad run and its neighbour make no level.
 *  - one run far off its level (the machine busy through it) widens the
 *    noise enough to hide a real change: the search is also made without
 *    the run farthest from its level, and a result with more change points
 *    is kept, that run named an outlier. Half of alpha goes to the series as
 *    it is and half is shared by the n series that leave out one run each
 *    (Bonferroni, of which one is searched), so the whole stays at alpha.
 *  - where a series steps often (up, down, up ...), the noise pooled over a
 *    whole segment holds the other steps and hides them all: when no cut or
 *    pair passes, cuts are also judged within windows of 2, 4, 8 ... runs
 *    either side, the noise from those windows alone (each window a place
 *    tried, for the correction).
 * Latency is compared on a log scale (a change is a ratio); growth linearly,
 * relative to the larger of the level before and `floor`. A slow drift whose
 * steps all stay under the threshold has no change point: it shows in the
 * series' first and last values.
 */
#ifndef SONDE_CHANGEPOINT_H
#define SONDE_CHANGEPOINT_H

#include <stddef.h>

/* Segments longer than this are not searched for an up-and-back pair of cuts
 * (the search is quadratic in the segment's length). */
#define CP_MAX_PAIR_SEGMENT 256

enum cp_scale { CP_SCALE_LOG, CP_SCALE_LINEAR };

struct cp_opts {
	enum cp_scale scale;
	double floor;	      /* CP_SCALE_LINEAR: changes are relative to at least this */
	double threshold_pct; /* the smallest change that counts */
	double alpha;	      /* significance level, after the correction for places tried */
};

struct changepoint {
	size_t index;	      /* the first value at the new level */
	double before, after; /* the levels either side (log scale: geometric means) */
	double change_pct;    /* after against before */
	double p_value;	      /* adjusted for the places and the analyses tried */
};

/* What changepoints_find() found. */
struct cp_result {
	struct changepoint *points; /* by index; free() it */
	size_t nr_points;
	size_t outlier; /* the run set aside as an outlier, or CP_NO_OUTLIER */
};

#define CP_NO_OUTLIER ((size_t)-1)

/*
 * The change points of x[0..n-1] (log scale: values above 0); none when
 * n < 3, as no noise can be measured. 0 or -ENOMEM.
 */
int changepoints_find(const double *x, size_t n, const struct cp_opts *o, struct cp_result *res);

#endif
