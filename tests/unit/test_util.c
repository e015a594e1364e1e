// SPDX-License-Identifier: GPL-2.0
/* Durations, number formatting and exit statuses (user/core/util.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include "core/util.h"
#include "fixture.h"

static void expect_duration(const char *s, __u64 want)
{
	__u64 ns = 0xdeadbeef;
	int err = parse_duration_ns(s, &ns);

	if (err)
		fail_msg("parse_duration_ns(\"%s\") failed: %d", s, err);
	if (ns != want)
		fail_msg("parse_duration_ns(\"%s\") = %llu, want %llu", s, (unsigned long long)ns,
			 (unsigned long long)want);
}

static void expect_duration_error(const char *s)
{
	__u64 ns = 0xdeadbeef;
	int err = parse_duration_ns(s, &ns);

	if (err >= 0)
		fail_msg("parse_duration_ns(\"%s\") accepted: %llu ns", s, (unsigned long long)ns);
	assert_true(err == -EINVAL || err == -ERANGE);
	/* A failed parse leaves the output alone. */
	assert_int_equal(ns, 0xdeadbeef);
}

static void test_duration_units(void **state)
{
	(void)state;
	expect_duration("100ns", 100);
	expect_duration("250us", 250000);
	expect_duration("500ms", 500000000ULL);
	expect_duration("30s", 30000000000ULL);
	expect_duration("2m", 120000000000ULL);
	expect_duration("1h", 3600000000000ULL);
	expect_duration("1.5s", 1500000000ULL);
	expect_duration("0.25ms", 250000);
	expect_duration("1.5us", 1500);
	/* A bare number is seconds. */
	expect_duration("5", 5000000000ULL);
	expect_duration("0.5", 500000000ULL);
	expect_duration("0s", 0);
	/* Large but representable: 100 days. */
	expect_duration("2400h", 2400ULL * 3600 * 1000000000ULL);
}

static void test_duration_errors(void **state)
{
	static const char *const bad[] = {
		"", "abc", "5x", "-1s", "-1", "+1s", "ms", "s", "5 s", "5s ", "5ss", "5sec",
		"1..5s", "nan", "inf", "infs", "1e400s",
		"10000000000h", /* 3.6e22 ns: more than 2^64 */
		"18446744073709551616ns",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_duration_error(bad[i]);
}

static void expect_ns(double ns, const char *want)
{
	char buf[32];

	assert_string_equal(fmt_ns(buf, sizeof(buf), ns), want);
}

static void test_fmt_ns(void **state)
{
	(void)state;
	expect_ns(0, "0ns");
	expect_ns(7, "7ns");
	expect_ns(812, "812ns");
	expect_ns(999, "999ns");
	expect_ns(1000, "1.00us");
	expect_ns(1234, "1.23us");
	expect_ns(50100, "50.1us");
	expect_ns(123456, "123us");
	expect_ns(2030000, "2.03ms");
	expect_ns(45600000, "45.6ms");
	expect_ns(1.5e9, "1.50s");
	expect_ns(12.3e9, "12.3s");
	expect_ns(600e9, "600s");
}

/* Values that round up to the next unit must not print as "1000us" or "10.00us". */
static void test_fmt_ns_rounding_edges(void **state)
{
	(void)state;
	expect_ns(999.7, "1.00us");
	expect_ns(9999, "10.0us");
	expect_ns(99960, "100us");
	expect_ns(999999, "1.00ms");
	expect_ns(999999999, "1.00s");
}

static void test_fmt_ns_truncates(void **state)
{
	char buf[4];

	(void)state;
	/* Bounded: "50.1us" does not fit in 4 bytes, and nothing is overrun. */
	fmt_ns(buf, sizeof(buf), 50100);
	assert_int_equal(strlen(buf), 3);
	assert_string_equal(buf, "50.");
}

static void expect_count(double n, const char *want)
{
	char buf[32];

	assert_string_equal(fmt_count(buf, sizeof(buf), n), want);
}

static void test_fmt_count(void **state)
{
	(void)state;
	expect_count(0, "0");
	expect_count(1, "1");
	expect_count(999, "999");
	expect_count(9999, "9999");
	expect_count(12345, "12.3k");
	expect_count(4560000, "4.56M");
	expect_count(7.89e9, "7.89G");
	/* Rates are fractional. */
	expect_count(2.5, "2.5");
}

static void test_fmt_count_rounding_edges(void **state)
{
	(void)state;
	expect_count(999999, "1.00M");
	expect_count(999999999, "1.00G");
}

static void test_exit_status(void **state)
{
	(void)state;
	assert_int_equal(exit_status_of(0), SONDE_EXIT_OK);
	assert_int_equal(exit_status_of(5), SONDE_EXIT_OK);
	assert_int_equal(exit_status_of(-SONDE_EXIT_INPUT), SONDE_EXIT_INPUT);
	assert_int_equal(exit_status_of(-SONDE_EXIT_SYSTEM), SONDE_EXIT_SYSTEM);
	/* Any other -errno is the system refusing. */
	assert_int_equal(exit_status_of(-EPERM), SONDE_EXIT_SYSTEM);
	assert_int_equal(exit_status_of(-ENOMEM), SONDE_EXIT_SYSTEM);
}

static int call_fail(void *arg)
{
	(void)arg;
	return sonde_fail(SONDE_EXIT_INPUT, "no function matches '%s'", "hadle_*");
}

static int call_info(void *arg)
{
	sonde_verbose = *(bool *)arg;
	sonde_info("skipped %d symbols", 3);
	sonde_verbose = false;
	return 0;
}

static void test_messages(void **state)
{
	char out[256];
	bool verbose;

	(void)state;
	assert_int_equal(fx_capture_stderr(call_fail, NULL, out, sizeof(out)), -SONDE_EXIT_INPUT);
	assert_string_equal(out, "sonde: no function matches 'hadle_*'\n");
	verbose = false;
	fx_capture_stderr(call_info, &verbose, out, sizeof(out));
	assert_string_equal(out, "");
	verbose = true;
	fx_capture_stderr(call_info, &verbose, out, sizeof(out));
	assert_string_equal(out, "sonde: skipped 3 symbols\n");
}

static void test_now_ns(void **state)
{
	__u64 a = now_ns(), b = now_ns();

	(void)state;
	assert_true(a > 0);
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_errors),
		cmocka_unit_test(test_fmt_ns),
		cmocka_unit_test(test_fmt_ns_rounding_edges),
		cmocka_unit_test(test_fmt_ns_truncates),
		cmocka_unit_test(test_fmt_count),
		cmocka_unit_test(test_fmt_count_rounding_edges),
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_now_ns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
