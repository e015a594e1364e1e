// SPDX-License-Identifier: GPL-2.0
#include "core/hist.h"

__u64 hist_total(const __u64 *hist)
{
	__u64 n = 0;
	int b;

	for (b = 0; b < SONDE_HIST_BUCKETS; b++)
		n += hist[b];
	return n;
}

int hist_range(const __u64 *hist, int *first, int *last)
{
	int b;

	*first = *last = -1;
	for (b = 0; b < SONDE_HIST_BUCKETS; b++) {
		if (!hist[b])
			continue;
		if (*first < 0)
			*first = b;
		*last = b;
	}
	return *first < 0 ? -1 : 0;
}

double hist_quantile(const __u64 *hist, __u64 min_ns, __u64 max_ns, double q)
{
	__u64 total = hist_total(hist), seen = 0;
	double rank, lo, hi, v = 0;
	int b;

	if (!total)
		return 0;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	/* The rank-th value, 1-based, counted across buckets. */
	rank = q * (double)total;
	if (rank < 1)
		rank = 1;
	for (b = 0; b < SONDE_HIST_BUCKETS; b++) {
		if (!hist[b])
			continue;
		if ((double)(seen + hist[b]) >= rank) {
			/*
			 * Spread the bucket's values evenly over [lower, upper), each
			 * at the middle of its share: one value sits mid-bucket.
			 */
			lo = (double)sonde_bucket_lower_ns(b);
			hi = (double)sonde_bucket_upper_ns(b);
			v = lo + (hi - lo) * (rank - (double)seen - 0.5) / (double)hist[b];
			if (v < lo)
				v = lo;
			break;
		}
		seen += hist[b];
	}
	if (min_ns && v < (double)min_ns)
		v = (double)min_ns;
	if (max_ns && v > (double)max_ns)
		v = (double)max_ns;
	return v;
}
