/* SPDX-License-Identifier: GPL-2.0 */
/* A least-squares line through a time series: a growth rate and how sure it is. */
#ifndef SONDE_FIT_H
#define SONDE_FIT_H

#include <stddef.h>
#include <linux/types.h>

struct line_fit {
	double slope;	  /* per second */
	double intercept; /* at t = 0 s */
	double r2;	  /* 1 for a flat series: a flat line explains it */
	double se;	  /* the slope's standard error; -1 below 3 points */
};

/*
 * The least-squares line of v[i] over t_ns[i] (nanoseconds, fitted in
 * seconds). -EINVAL for fewer than 2 points or when every t is the same.
 */
int fit_line(const __u64 *t_ns, const double *v, size_t n, struct line_fit *out);

#endif
