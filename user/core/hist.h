/* SPDX-License-Identifier: GPL-2.0 */
/* Percentiles and merging over the log-linear buckets of sonde/hist.h. */
#ifndef SONDE_USER_HIST_H
#define SONDE_USER_HIST_H

#include <linux/types.h>
#include "sonde/hist.h"

/*
 * Value at quantile q (0..1) of a histogram, interpolated linearly inside the
 * bucket that holds it and clamped to [min_ns, max_ns] when those are known
 * (pass 0 for unknown). Returns 0 for an empty histogram.
 */
double hist_quantile(const __u64 *hist, __u64 min_ns, __u64 max_ns, double q);

__u64 hist_total(const __u64 *hist);

/* Lowest and highest non-empty bucket; returns -1 when empty. */
int hist_range(const __u64 *hist, int *first, int *last);

#endif
