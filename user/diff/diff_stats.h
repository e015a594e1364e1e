/* SPDX-License-Identifier: GPL-2.0 */
/* Statistics over log-linear histograms, for sonde diff. */
#ifndef SONDE_DIFF_STATS_H
#define SONDE_DIFF_STATS_H

#include <linux/types.h>

/*
 * Two-sided p-value of the Mann-Whitney U test between two samples given as
 * histograms over the same buckets. Values in one bucket are ties (midranks,
 * tie-corrected variance, continuity correction; normal approximation).
 * Returns 1 when either sample is empty or every value is tied.
 * *z_out (may be NULL) gets the signed z score: > 0 when `b` is larger.
 */
double mann_whitney_p(const __u64 *a, const __u64 *b, double *z_out);

#endif
