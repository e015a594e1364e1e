// SPDX-License-Identifier: GPL-2.0
/* Log-linear bucket math of include/sonde/hist.h, at every boundary. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/types.h>
#include "sonde/hist.h"

#define LAST_BUCKET (SONDE_HIST_BUCKETS - 1)

static void test_layout(void **state)
{
	(void)state;
	/* 16 exact buckets, then 16 per octave for 2^4 .. 2^40. */
	assert_int_equal(SONDE_HIST_SUB, 16);
	assert_int_equal(SONDE_HIST_BUCKETS, 16 + 37 * 16);
	assert_int_equal(sonde_bucket_lower_ns(LAST_BUCKET), 31ULL << 36);
	assert_int_equal(sonde_bucket_upper_ns(LAST_BUCKET), 1ULL << 41);
}

static void test_small_values_exact(void **state)
{
	__u64 v;

	(void)state;
	for (v = 0; v < 16; v++) {
		assert_int_equal(sonde_bucket_of_ns(v), v);
		assert_int_equal(sonde_bucket_lower_ns((__u32)v), v);
		assert_int_equal(sonde_bucket_upper_ns((__u32)v), v + 1);
	}
	/* The first octave of log-linear buckets is still one value wide. */
	for (v = 16; v < 32; v++)
		assert_int_equal(sonde_bucket_of_ns(v), v);
}

static void test_known_values(void **state)
{
	(void)state;
	assert_int_equal(sonde_bucket_of_ns(32), 32);
	assert_int_equal(sonde_bucket_of_ns(33), 32);
	assert_int_equal(sonde_bucket_of_ns(34), 33);
	assert_int_equal(sonde_bucket_of_ns(63), 47);
	assert_int_equal(sonde_bucket_of_ns(64), 48);
	/* 1000 = 0b1111101000: octave 9, mantissa 1111 -> [992, 1024). */
	assert_int_equal(sonde_bucket_of_ns(1000), 16 + 5 * 16 + 15);
	assert_int_equal(sonde_bucket_lower_ns(111), 992);
	assert_int_equal(sonde_bucket_upper_ns(111), 1024);
	/* 1 ms = 0xF4240: octave 19, mantissa 0b1110 -> [983040, 1048576). */
	assert_int_equal(sonde_bucket_of_ns(1000000), 16 + 15 * 16 + 14);
	assert_int_equal(sonde_bucket_lower_ns(16 + 15 * 16 + 14), 30ULL << 15);
}

static void test_every_bucket_boundary(void **state)
{
	__u32 b;

	(void)state;
	for (b = 0; b < SONDE_HIST_BUCKETS; b++) {
		__u64 lo = sonde_bucket_lower_ns(b), hi = sonde_bucket_upper_ns(b);

		assert_true(hi > lo);
		if (sonde_bucket_of_ns(lo) != b)
			fail_msg("bucket_of(lower(%u) = %llu) = %u", b, (unsigned long long)lo,
				 sonde_bucket_of_ns(lo));
		if (sonde_bucket_of_ns(hi - 1) != b)
			fail_msg("bucket_of(lower(%u) - 1 = %llu) = %u", b + 1,
				 (unsigned long long)(hi - 1), sonde_bucket_of_ns(hi - 1));
		if (b > 0)
			assert_int_equal(sonde_bucket_of_ns(lo - 1), b - 1);
		/* The middle of the bucket too. */
		assert_int_equal(sonde_bucket_of_ns(lo + (hi - lo) / 2), b);
	}
}

static void test_monotonic(void **state)
{
	__u32 b, prev = 0;
	__u64 v;

	(void)state;
	for (b = 1; b < SONDE_HIST_BUCKETS; b++)
		assert_true(sonde_bucket_lower_ns(b) > sonde_bucket_lower_ns(b - 1));
	/* A geometric sweep over the whole range: the bucket never goes down. */
	for (v = 1; v < (1ULL << 42); v += v / 37 + 1) {
		__u32 cur = sonde_bucket_of_ns(v);

		assert_true(cur >= prev);
		assert_true(cur - prev <= 1 || v < 64);
		prev = cur;
	}
}

static void test_relative_width(void **state)
{
	__u32 b;

	(void)state;
	for (b = SONDE_HIST_SUB; b < SONDE_HIST_BUCKETS; b++) {
		__u64 lo = sonde_bucket_lower_ns(b), hi = sonde_bucket_upper_ns(b);

		/* (hi - lo) / lo <= 1/16, in integers. */
		if ((hi - lo) * 16 > lo)
			fail_msg("bucket %u [%llu, %llu) is wider than 6.25 %%", b,
				 (unsigned long long)lo, (unsigned long long)hi);
	}
	/* The widest ones are exactly 1/16: the first bucket of each octave. */
	assert_int_equal(sonde_bucket_upper_ns(32) - sonde_bucket_lower_ns(32), 2);
	assert_int_equal(sonde_bucket_lower_ns(32), 32);
}

static void test_huge_values_clamp(void **state)
{
	(void)state;
	assert_int_equal(sonde_bucket_of_ns((1ULL << 41) - 1), LAST_BUCKET);
	assert_int_equal(sonde_bucket_of_ns(1ULL << 41), LAST_BUCKET);
	assert_int_equal(sonde_bucket_of_ns(1ULL << 50), LAST_BUCKET);
	assert_int_equal(sonde_bucket_of_ns(1ULL << 63), LAST_BUCKET);
	assert_int_equal(sonde_bucket_of_ns(UINT64_MAX), LAST_BUCKET);
	/* 2^40 itself is the first bucket of the last octave, not clamped. */
	assert_int_equal(sonde_bucket_of_ns(1ULL << 40), LAST_BUCKET - 15);
}

static void test_log2(void **state)
{
	__u32 k;

	(void)state;
	for (k = 0; k < 64; k++) {
		__u64 p = 1ULL << k;

		assert_int_equal(sonde_log2_u64(p), k);
		if (k >= 1)
			assert_int_equal(sonde_log2_u64(p + 1), k);
		if (k >= 2)
			assert_int_equal(sonde_log2_u64(p - 1), k - 1);
		/* All bits below the top one set. */
		assert_int_equal(sonde_log2_u64(p | (p - 1)), k);
	}
	assert_int_equal(sonde_log2_u64(1), 0);
	assert_int_equal(sonde_log2_u64(3), 1);
	assert_int_equal(sonde_log2_u64(UINT64_MAX), 63);
	assert_int_equal(sonde_log2_u64(0xFFFFFFFFULL), 31);
	assert_int_equal(sonde_log2_u64(0x100000000ULL), 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_small_values_exact),
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_every_bucket_boundary),
		cmocka_unit_test(test_monotonic),
		cmocka_unit_test(test_relative_width),
		cmocka_unit_test(test_huge_values_clamp),
		cmocka_unit_test(test_log2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
