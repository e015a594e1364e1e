// SPDX-License-Identifier: GPL-2.0
/* Percentiles over log-linear buckets (user/core/hist.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "core/hist.h"

#define B1000 111 /* [992, 1024) */
#define B5000 147 /* [4864, 5120) */

static __u64 h[SONDE_HIST_BUCKETS];

static int reset(void **state)
{
	(void)state;
	memset(h, 0, sizeof(h));
	return 0;
}

static void assert_near(double got, double want)
{
	if (got < want - 1e-6 || got > want + 1e-6)
		fail_msg("got %.6f, want %.6f", got, want);
}

static void test_fixture_buckets(void **state)
{
	(void)state;
	assert_int_equal(sonde_bucket_of_ns(1000), B1000);
	assert_int_equal(sonde_bucket_of_ns(5000), B5000);
	assert_int_equal(sonde_bucket_lower_ns(B5000), 4864);
	assert_int_equal(sonde_bucket_upper_ns(B5000), 5120);
}

static void test_empty(void **state)
{
	int first = 7, last = 7;

	(void)state;
	assert_near(hist_quantile(h, 0, 0, 0.5), 0);
	assert_near(hist_quantile(h, 100, 200, 0.99), 0);
	assert_int_equal(hist_total(h), 0);
	assert_int_equal(hist_range(h, &first, &last), -1);
	assert_int_equal(first, -1);
	assert_int_equal(last, -1);
}

/* One value: the middle of its bucket, whatever the quantile. */
static void test_single_value(void **state)
{
	(void)state;
	h[B1000] = 1;
	assert_near(hist_quantile(h, 0, 0, 0.0), 1008);
	assert_near(hist_quantile(h, 0, 0, 0.5), 1008);
	assert_near(hist_quantile(h, 0, 0, 0.999), 1008);
	assert_near(hist_quantile(h, 0, 0, 1.0), 1008);
}

/* Four values in one bucket spread evenly: 996, 1004, 1012, 1020. */
static void test_single_bucket_interpolates(void **state)
{
	(void)state;
	h[B1000] = 4;
	assert_near(hist_quantile(h, 0, 0, 0.25), 996);
	assert_near(hist_quantile(h, 0, 0, 0.50), 1004);
	assert_near(hist_quantile(h, 0, 0, 0.75), 1012);
	assert_near(hist_quantile(h, 0, 0, 1.00), 1020);
	/* Between ranks, linear: rank 3.6 -> 992 + 32 * 3.1 / 4. */
	assert_near(hist_quantile(h, 0, 0, 0.90), 1016.8);
	/* Quantiles outside [0, 1] are clamped. */
	assert_near(hist_quantile(h, 0, 0, -1), hist_quantile(h, 0, 0, 0));
	assert_near(hist_quantile(h, 0, 0, 7), 1020);
}

/* Exact one-value buckets below 16 ns. */
static void test_small_buckets(void **state)
{
	(void)state;
	h[3] = 1;
	h[9] = 1;
	assert_true(hist_quantile(h, 0, 0, 0.5) >= 3 && hist_quantile(h, 0, 0, 0.5) < 4);
	assert_true(hist_quantile(h, 0, 0, 1.0) >= 9 && hist_quantile(h, 0, 0, 1.0) < 10);
	/* With the true extremes known, answers stay inside them. */
	assert_true(hist_quantile(h, 3, 9, 0.0) >= 3 && hist_quantile(h, 3, 9, 0.0) < 4);
	assert_near(hist_quantile(h, 3, 9, 1.0), 9);
	/* Constant 5 ns calls: reported as 5 ns once rounded (as JSON does). */
	memset(h, 0, sizeof(h));
	h[5] = 100;
	assert_int_equal((__u64)(hist_quantile(h, 5, 5, 0.5) + 0.5), 5);
	assert_int_equal((__u64)(hist_quantile(h, 0, 0, 0.5) + 0.5), 5);
}

static void test_two_buckets(void **state)
{
	double v;

	(void)state;
	h[B1000] = 90;
	h[B5000] = 10;
	/* p50 and p90 fall in the low bucket, p91 and above in the high one. */
	v = hist_quantile(h, 0, 0, 0.50);
	assert_true(v >= 992 && v < 1024);
	assert_near(v, 992 + 32 * 49.5 / 90);
	v = hist_quantile(h, 0, 0, 0.90);
	assert_true(v >= 992 && v < 1024);
	v = hist_quantile(h, 0, 0, 0.91);
	assert_true(v >= 4864 && v < 5120);
	assert_near(v, 4864 + 256 * 0.5 / 10);
	v = hist_quantile(h, 0, 0, 0.99);
	assert_near(v, 4864 + 256 * 8.5 / 10);
	assert_int_equal(hist_total(h), 100);
}

/* A quantile exactly on the boundary between two buckets stays in the lower one. */
static void test_quantile_on_boundary(void **state)
{
	double lo, hi;

	(void)state;
	h[B1000] = 50;
	h[B5000] = 50;
	lo = hist_quantile(h, 0, 0, 0.50);
	hi = hist_quantile(h, 0, 0, 0.51);
	assert_true(lo >= 992 && lo < 1024);
	assert_true(hi >= 4864 && hi < 5120);
	assert_near(hi, 4864 + 256 * 0.5 / 50);
}

static void test_clamp_to_min_max(void **state)
{
	(void)state;
	h[B1000] = 4;
	/* True extremes 1000 and 1010 bound every answer. */
	assert_near(hist_quantile(h, 1000, 1010, 0.0), 1000);
	assert_near(hist_quantile(h, 1000, 1010, 0.5), 1004);
	assert_near(hist_quantile(h, 1000, 1010, 0.9), 1010);
	assert_near(hist_quantile(h, 1000, 1010, 1.0), 1010);
	/* 0 means unknown: only the known side clamps. */
	assert_near(hist_quantile(h, 1010, 0, 0.5), 1010);
	assert_near(hist_quantile(h, 0, 1000, 0.75), 1000);
	/* One value: min == max is the answer. */
	memset(h, 0, sizeof(h));
	h[B5000] = 1;
	assert_near(hist_quantile(h, 5000, 5000, 0.5), 5000);
	assert_near(hist_quantile(h, 5000, 5000, 0.999), 5000);
}

static void test_quantile_monotonic(void **state)
{
	double prev = 0, v, q;
	__u32 b;

	(void)state;
	for (b = 0; b < SONDE_HIST_BUCKETS; b += 7)
		h[b] = (b * 2654435761u) % 97 + 1;
	for (q = 0; q <= 1.0; q += 0.001) {
		v = hist_quantile(h, 0, 0, q);
		if (v < prev)
			fail_msg("quantile %.3f = %.1f < %.1f", q, v, prev);
		prev = v;
	}
	assert_true(prev >= sonde_bucket_lower_ns(SONDE_HIST_BUCKETS - 1 - (SONDE_HIST_BUCKETS - 1) % 7));
}

/* The last bucket holds the clamped huge values; its quantile stays in range. */
static void test_last_bucket(void **state)
{
	__u32 last = SONDE_HIST_BUCKETS - 1;
	double v;

	(void)state;
	h[last] = 2;
	v = hist_quantile(h, 0, 0, 0.99);
	assert_true(v >= (double)sonde_bucket_lower_ns(last));
	assert_true(v < (double)sonde_bucket_upper_ns(last));
}

static void test_total_and_range(void **state)
{
	int first, last;

	(void)state;
	h[0] = 3;
	assert_int_equal(hist_range(h, &first, &last), 0);
	assert_int_equal(first, 0);
	assert_int_equal(last, 0);
	h[B1000] = 5;
	h[SONDE_HIST_BUCKETS - 1] = 1ULL << 40;
	assert_int_equal(hist_total(h), 8 + (1ULL << 40));
	assert_int_equal(hist_range(h, &first, &last), 0);
	assert_int_equal(first, 0);
	assert_int_equal(last, SONDE_HIST_BUCKETS - 1);
	h[0] = 0;
	h[SONDE_HIST_BUCKETS - 1] = 0;
	assert_int_equal(hist_range(h, &first, &last), 0);
	assert_int_equal(first, B1000);
	assert_int_equal(last, B1000);
	assert_int_equal(hist_total(h), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fixture_buckets, reset),
		cmocka_unit_test_setup(test_empty, reset),
		cmocka_unit_test_setup(test_single_value, reset),
		cmocka_unit_test_setup(test_single_bucket_interpolates, reset),
		cmocka_unit_test_setup(test_small_buckets, reset),
		cmocka_unit_test_setup(test_two_buckets, reset),
		cmocka_unit_test_setup(test_quantile_on_boundary, reset),
		cmocka_unit_test_setup(test_clamp_to_min_max, reset),
		cmocka_unit_test_setup(test_quantile_monotonic, reset),
		cmocka_unit_test_setup(test_last_bucket, reset),
		cmocka_unit_test_setup(test_total_and_range, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
