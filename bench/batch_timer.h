/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Timing a benchmark loop in batches. On the shared virtual machines sonde is
 * measured on, other tenants slow some stretches of a run by up to 2x: a
 * run's mean moves with them, and so does any ratio of two runs' means. The
 * interference only ever adds time, so a low quantile of many short batches
 * measures the loop itself: the benchmarks report the 25th percentile of
 * per-batch costs next to the mean.
 */
#ifndef SONDE_BENCH_BATCH_TIMER_H
#define SONDE_BENCH_BATCH_TIMER_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BATCH_OPS 1000 /* operations per batch: ~1 ms traced, ~2 us untraced */

struct batch_timer {
	double *ns_per_op; /* one entry per batch */
	long nr, cap;
	double start, total_start;
};

static inline double batch_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* For n operations in batches of BATCH_OPS; exits when out of memory. */
static inline void batch_timer_init(struct batch_timer *bt, long n)
{
	bt->cap = n / BATCH_OPS + 1;
	bt->nr = 0;
	bt->ns_per_op = malloc(bt->cap * sizeof(*bt->ns_per_op));
	if (!bt->ns_per_op) {
		perror("batch_timer");
		exit(2);
	}
	bt->total_start = bt->start = batch_now_ns();
}

/* Call after each operation i (0-based): closes a batch every BATCH_OPS. */
static inline void batch_timer_tick(struct batch_timer *bt, long i)
{
	double now;

	if ((i + 1) % BATCH_OPS || bt->nr == bt->cap)
		return;
	now = batch_now_ns();
	bt->ns_per_op[bt->nr++] = (now - bt->start) / BATCH_OPS;
	bt->start = now;
}

static int batch_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Prints "NAME=mean UNIT=n p25_NAME=q" where q is the batches' 25th percentile. */
static inline void batch_timer_report(struct batch_timer *bt, long n, const char *name,
				      const char *unit)
{
	double mean = (batch_now_ns() - bt->total_start) / n, q = mean;

	if (bt->nr > 0) {
		qsort(bt->ns_per_op, bt->nr, sizeof(*bt->ns_per_op), batch_cmp);
		q = bt->ns_per_op[bt->nr / 4];
	}
	printf("%s=%.1f %s=%ld p25_%s=%.1f\n", name, mean, unit, n, name, q);
	free(bt->ns_per_op);
}

#endif /* SONDE_BENCH_BATCH_TIMER_H */
