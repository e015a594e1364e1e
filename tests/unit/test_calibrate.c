// SPDX-License-Identifier: GPL-2.0
/* The ± bound a function's figures carry from the probe cost (user/lat/calibrate.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include "lat/calibrate.h"

static struct calibration measured(void)
{
	struct calibration c = {0};

	c.window_err_ns[0] = 90;   /* emulated entry, return probe */
	c.window_err_ns[1] = 3000; /* single-stepped entry */
	c.call_ns[0] = 1000;
	c.call_err_ns[0] = 100; /* 10 % */
	c.call_ns[1] = 10000;
	c.call_err_ns[1] = 2000; /* 20 %: the widest, used for every callee */
	return c;
}

static void test_leaf_is_its_own_spread(void **state)
{
	struct calibration c = measured();

	(void)state;
	assert_int_equal(calibration_error_ns(&c, 0, 0), 90);
	assert_int_equal(calibration_error_ns(&c, 1, 0), 3000);
}

static void test_callees_add_their_relative_spread(void **state)
{
	struct calibration c = measured();

	(void)state;
	/* 5 us of callee probe cost per call, known to +-20 %. */
	assert_int_equal(calibration_error_ns(&c, 0, 5000), 90 + 1000);
	assert_int_equal(calibration_error_ns(&c, 1, 5000), 3000 + 1000);
}

static void test_nothing_measured(void **state)
{
	struct calibration c = {0};

	(void)state;
	assert_int_equal(calibration_error_ns(&c, 2, 12345), 0);
	c = measured();
	assert_int_equal(calibration_error_ns(&c, SONDE_SHAPES, 0), 0);
}

/* One round: the bound is the wider side of its band around the estimate. */
static void test_bound_one_round(void **state)
{
	struct calib_sample r[] = {{.est = 9000, .lo = 8800, .hi = 9700}};
	__u64 used[] = {9000};

	(void)state;
	assert_int_equal(calib_bound_ns(r, used, 1), 700);
	r[0].lo = 7000; /* a low tail: wider below than above */
	assert_int_equal(calib_bound_ns(r, used, 1), 2000);
}

/*
 * The cost moved between rounds (one CPU at ~9 us, then ~13 us): calls
 * corrected by the first round's estimate may have paid the second round's
 * cost, and the other way round.
 */
static void test_bound_spans_rounds_and_estimates(void **state)
{
	struct calib_sample r[] = {{.est = 9000, .lo = 8800, .hi = 9700},
				   {.est = 12900, .lo = 12500, .hi = 13800}};
	__u64 used[] = {9000, 12900};

	(void)state;
	/* 13800 paid under the 9000 estimate. */
	assert_int_equal(calib_bound_ns(r, used, 2), 4800);
	/* Only the first estimate was ever in force: the second round's band still counts. */
	used[1] = 9000;
	assert_int_equal(calib_bound_ns(r, used, 2), 4800);
	/* The estimate moved to the second round's: the first round's calls lie 4100 below it. */
	used[0] = used[1] = 12900;
	assert_int_equal(calib_bound_ns(r, used, 2), 4100);
}

/* A round whose band sits inside another's adds nothing; the order of rounds does not matter. */
static void test_bound_worst_round(void **state)
{
	struct calib_sample r[] = {{.est = 9100, .lo = 8900, .hi = 9400},
				   {.est = 9000, .lo = 8700, .hi = 11000},
				   {.est = 9050, .lo = 8950, .hi = 9300}};
	struct calib_sample rev[] = {r[2], r[1], r[0]};
	__u64 used[] = {9100, 9000, 9050}, used_rev[] = {9050, 9000, 9100};

	(void)state;
	assert_int_equal(calib_bound_ns(r, used, 3), 11000 - 9000);
	assert_int_equal(calib_bound_ns(rev, used_rev, 3), 11000 - 9000);
	assert_int_equal(calib_bound_ns(r, used, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_leaf_is_its_own_spread),
	    cmocka_unit_test(test_callees_add_their_relative_spread),
	    cmocka_unit_test(test_nothing_measured),
	    cmocka_unit_test(test_bound_one_round),
	    cmocka_unit_test(test_bound_spans_rounds_and_estimates),
	    cmocka_unit_test(test_bound_worst_round),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
