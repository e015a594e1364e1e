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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_leaf_is_its_own_spread),
	    cmocka_unit_test(test_callees_add_their_relative_spread),
	    cmocka_unit_test(test_nothing_measured),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
