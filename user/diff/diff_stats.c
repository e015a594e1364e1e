// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include "diff/diff_stats.h"
#include "sonde/hist.h"

double mann_whitney_p(const __u64 *a, const __u64 *b, double *z_out)
{
	double n1 = 0, n2 = 0, rank_sum_b = 0, ties = 0, below = 0, n, u, mean, var, z;
	int i;

	for (i = 0; i < SONDE_HIST_BUCKETS; i++) {
		n1 += (double)a[i];
		n2 += (double)b[i];
	}
	if (z_out)
		*z_out = 0;
	if (n1 == 0 || n2 == 0)
		return 1;
	n = n1 + n2;
	for (i = 0; i < SONDE_HIST_BUCKETS; i++) {
		double t = (double)a[i] + (double)b[i];

		if (t == 0)
			continue;
		/* Every value of a bucket takes the mean of the ranks the bucket spans. */
		rank_sum_b += (double)b[i] * (below + (t + 1) / 2);
		ties += t * t * t - t;
		below += t;
	}
	u = rank_sum_b - n2 * (n2 + 1) / 2;
	mean = n1 * n2 / 2;
	var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)));
	if (var <= 0)
		return 1;
	/* Continuity correction: move half a unit toward the mean. */
	z = u - mean;
	z = z > 0 ? fmax(z - 0.5, 0) : fmin(z + 0.5, 0);
	z /= sqrt(var);
	if (z_out)
		*z_out = z;
	return erfc(fabs(z) / sqrt(2.0));
}
