// SPDX-License-Identifier: GPL-2.0
/* sonde trend: change points in series of runs (user/diff/changepoint.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "diff/changepoint.h"

static const struct cp_opts lat_opts = {CP_SCALE_LOG, 0, 10, 0.01};

/* A fixed pseudo-random normal deviate (xorshift and Box-Muller): the same
 * series on every run, so a test cannot pass or fail by luck. */
static double normal(uint64_t *state)
{
	double u1, u2;

	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	u1 = ((*state >> 11) + 1.0) / 9007199254740993.0;
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	u2 = (*state >> 11) / 9007199254740992.0;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* level[i] with multiplicative noise of sd `noise` (0.02: 2 %). */
static void noisy(double *x, const double *level, size_t n, double noise, uint64_t seed)
{
	uint64_t st = seed * 0x9e3779b97f4a7c15ULL + 1;
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = level[i] * exp(noise * normal(&st));
}

static size_t last_outlier;

/* The change points of x in *cp; the run set aside, if any, in last_outlier. */
static size_t find(const double *x, size_t n, const struct cp_opts *o, struct changepoint **cp)
{
	struct cp_result res;

	assert_int_equal(changepoints_find(x, n, o, &res), 0);
	*cp = res.points;
	last_outlier = res.outlier;
	if (!res.nr_points)
		assert_int_equal(res.outlier, CP_NO_OUTLIER);
	return res.nr_points;
}

/* A step of +30 % after five runs is found at run 5, with its size and levels. */
static void test_step(void **state)
{
	double level[10], x[10];
	struct changepoint *cp;
	uint64_t seed;
	size_t i;

	(void)state;
	for (i = 0; i < 10; i++)
		level[i] = i < 5 ? 100e3 : 130e3;
	for (seed = 1; seed <= 20; seed++) {
		noisy(x, level, 10, 0.02, seed);
		assert_int_equal(find(x, 10, &lat_opts, &cp), 1);
		assert_int_equal(cp[0].index, 5);
		assert_true(fabs(cp[0].change_pct - 30) < 5);
		assert_true(fabs(cp[0].before - 100e3) < 3e3);
		assert_true(fabs(cp[0].after - 130e3) < 4e3);
		assert_true(cp[0].p_value < 0.01);
		free(cp);
	}
	/* Downwards too, as a negative change. */
	for (i = 0; i < 10; i++)
		level[i] = i < 5 ? 130e3 : 100e3;
	noisy(x, level, 10, 0.02, 7);
	assert_int_equal(find(x, 10, &lat_opts, &cp), 1);
	assert_int_equal(cp[0].index, 5);
	assert_true(fabs(cp[0].change_pct + 23) < 4);
	free(cp);
}

/* The shape sonde trend's integration test records: three runs, then three slower. */
static void test_three_and_three(void **state)
{
	const double level[6] = {100e3, 100e3, 100e3, 130e3, 130e3, 130e3};
	struct changepoint *cp;
	double x[6];
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 20; seed++) {
		noisy(x, level, 6, 0.01, seed);
		assert_int_equal(find(x, 6, &lat_opts, &cp), 1);
		assert_int_equal(cp[0].index, 3);
		free(cp);
	}
}

/*
 * Flat series with the noise of a loaded machine (4 % between runs): a false
 * change point in at most alpha (1 %) of them, and none that is a one-run
 * outlier between two levels.
 */
static void test_flat_noise(void **state)
{
	static const size_t lengths[] = {3, 6, 12, 30};
	double level[30], x[30];
	struct changepoint *cp;
	size_t i, k, nr, series = 0, false_alarms = 0;
	uint64_t seed;

	(void)state;
	for (i = 0; i < 30; i++)
		level[i] = 50e3;
	for (seed = 1; seed <= 250; seed++) {
		for (k = 0; k < sizeof(lengths) / sizeof(lengths[0]); k++, series++) {
			noisy(x, level, lengths[k], 0.04, seed);
			nr = find(x, lengths[k], &lat_opts, &cp);
			false_alarms += nr > 0;
			for (i = 1; i < nr; i++)
				assert_true(cp[i].index - cp[i - 1].index >= 2);
			free(cp);
		}
	}
	assert_int_equal(series, 1000);
	assert_true(false_alarms <= 10);
	/* At 2 %, none at all in these. */
	for (seed = 1; seed <= 100; seed++) {
		noisy(x, level, 30, 0.02, seed);
		assert_int_equal(find(x, 30, &lat_opts, &cp), 0);
		assert_null(cp);
	}
}

/* Two steps, each found where it is. */
static void test_two_steps(void **state)
{
	double level[12], x[12];
	struct changepoint *cp;
	uint64_t seed;
	size_t i;

	(void)state;
	for (i = 0; i < 12; i++)
		level[i] = i < 4 ? 100e3 : i < 8 ? 130e3 : 170e3;
	for (seed = 1; seed <= 20; seed++) {
		noisy(x, level, 12, 0.02, seed);
		assert_int_equal(find(x, 12, &lat_opts, &cp), 2);
		assert_int_equal(cp[0].index, 4);
		assert_int_equal(cp[1].index, 8);
		assert_true(fabs(cp[0].change_pct - 30) < 6);
		assert_true(fabs(cp[1].change_pct - 30.8) < 6);
		free(cp);
	}
}

/* A series that steps every four runs, up and down (A A A A B B B B A ...):
 * the noise pooled over a segment would hold the other steps; every step is
 * found, where it is. */
static void test_steps_often(void **state)
{
	double level[40], x[40];
	struct changepoint *cp;
	uint64_t seed;
	size_t i, nr;

	(void)state;
	for (i = 0; i < 40; i++)
		level[i] = (i / 4) % 2 ? 130e3 : 100e3;
	for (seed = 1; seed <= 20; seed++) {
		noisy(x, level, 40, 0.02, seed);
		nr = find(x, 40, &lat_opts, &cp);
		assert_int_equal(nr, 9);
		for (i = 0; i < nr; i++)
			assert_int_equal(cp[i].index, 4 * (i + 1));
		free(cp);
	}
}

/* Up for three runs and back: no single cut sees it, the pair does. */
static void test_up_and_back(void **state)
{
	double level[11], x[11];
	struct changepoint *cp;
	uint64_t seed;
	size_t i;

	(void)state;
	for (i = 0; i < 11; i++)
		level[i] = i >= 4 && i < 7 ? 140e3 : 100e3;
	for (seed = 1; seed <= 20; seed++) {
		noisy(x, level, 11, 0.02, seed);
		assert_int_equal(find(x, 11, &lat_opts, &cp), 2);
		assert_int_equal(cp[0].index, 4);
		assert_int_equal(cp[1].index, 7);
		assert_true(cp[0].change_pct > 30 && cp[1].change_pct < -20);
		free(cp);
	}
}

/* The latest run alone slower: "this release regressed" is a change at its
 * index. One run alone slower between others is an outlier, not two changes. */
static void test_last_run(void **state)
{
	double level[7] = {100e3, 100e3, 100e3, 100e3, 100e3, 100e3, 160e3}, x[7];
	struct changepoint *cp;

	(void)state;
	noisy(x, level, 7, 0.01, 3);
	assert_int_equal(find(x, 7, &lat_opts, &cp), 1);
	assert_int_equal(cp[0].index, 6);
	free(cp);
	level[6] = 100e3;
	level[3] = 160e3;
	noisy(x, level, 7, 0.01, 3);
	assert_int_equal(find(x, 7, &lat_opts, &cp), 0);
}

/*
 * One run of the slower ones half as slow again (the machine busy through it):
 * its noise would hide the step; without it the step stands, at its index,
 * and the run is named. One such run alone, first or in the middle, is no
 * change at all.
 */
static void test_outlier_run(void **state)
{
	/* p90 of abswitch's step_lookup (ns) in six runs on a loaded machine. */
	const double seen[6] = {102164, 102221, 102289, 130823, 197291, 130970};
	const double level[8] = {100e3, 100e3, 100e3, 100e3, 130e3, 130e3, 130e3, 130e3};
	const double flat[8] = {50e3, 50e3, 50e3, 50e3, 50e3, 50e3, 50e3, 50e3};
	struct changepoint *cp;
	double x[8];
	uint64_t seed;
	size_t at;

	(void)state;
	assert_int_equal(find(seen, 6, &lat_opts, &cp), 1);
	assert_int_equal(cp[0].index, 3);
	assert_int_equal(last_outlier, 4);
	assert_true(fabs(cp[0].change_pct - 28) < 1);
	free(cp);
	for (seed = 1; seed <= 20; seed++) {
		noisy(x, level, 8, 0.01, seed);
		x[6] *= 1.5;
		assert_int_equal(find(x, 8, &lat_opts, &cp), 1);
		assert_int_equal(cp[0].index, 4);
		assert_int_equal(last_outlier, 6);
		assert_true(fabs(cp[0].change_pct - 30) < 5);
		assert_true(cp[0].p_value < 0.01);
		free(cp);
		for (at = 0; at < 7; at++) {
			noisy(x, flat, 8, 0.02, seed);
			x[at] *= 1.5;
			assert_int_equal(find(x, 8, &lat_opts, &cp), 0);
		}
	}
}

/* A slow drift (1 % a run, +11.6 % in all) has no step beyond the threshold. */
static void test_slow_drift(void **state)
{
	double level[12], x[12];
	struct changepoint *cp;
	size_t i;

	(void)state;
	for (i = 0; i < 12; i++)
		level[i] = 100e3 * pow(1.01, (double)i);
	noisy(x, level, 12, 0.005, 5);
	assert_int_equal(find(x, 12, &lat_opts, &cp), 0);
}

/* What a change point needs: the threshold, evidence beyond the noise, and 3 runs. */
static void test_needs_size_noise_and_runs(void **state)
{
	const double small[8] = {100, 100, 100, 100, 105, 105, 105, 105};
	const double two[2] = {100, 200};
	double level[6] = {100e3, 100e3, 100e3, 130e3, 130e3, 130e3}, x[6];
	struct cp_opts five = lat_opts;
	struct changepoint *cp;

	(void)state;
	assert_int_equal(find(small, 8, &lat_opts, &cp), 0);
	five.threshold_pct = 4;
	assert_int_equal(find(small, 8, &five, &cp), 1);
	assert_int_equal(cp[0].index, 4);
	free(cp);
	/* +30 % in noise of 20 %, three runs a side: not shown. */
	noisy(x, level, 6, 0.2, 11);
	assert_int_equal(find(x, 6, &lat_opts, &cp), 0);
	/* Two runs cannot show any noise. */
	assert_int_equal(find(two, 2, &lat_opts, &cp), 0);
}

/* Memory growth is linear, relative to at least the floor: 0 -> 50 KiB/s is a change. */
static void test_linear_growth(void **state)
{
	const struct cp_opts mem = {CP_SCALE_LINEAR, 1024, 10, 0.01};
	double x[8] = {10, -20, 0, 15, 51200, 50900, 51500, 51100};
	struct changepoint *cp;

	(void)state;
	assert_int_equal(find(x, 8, &mem, &cp), 1);
	assert_int_equal(cp[0].index, 4);
	assert_true(cp[0].change_pct > 4000);
	assert_true(fabs(cp[0].after - 51175) < 1);
	free(cp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_step),	  cmocka_unit_test(test_three_and_three),
	    cmocka_unit_test(test_flat_noise),	  cmocka_unit_test(test_two_steps),
	    cmocka_unit_test(test_up_and_back),	  cmocka_unit_test(test_steps_often),
	    cmocka_unit_test(test_last_run),	  cmocka_unit_test(test_outlier_run),
	    cmocka_unit_test(test_slow_drift),	  cmocka_unit_test(test_needs_size_noise_and_runs),
	    cmocka_unit_test(test_linear_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
