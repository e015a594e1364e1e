// SPDX-License-Identifier: GPL-2.0
/* sonde's buckets as Prometheus native ones (user/out/prom_native.c): bounds, counts, spans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include "out/prom_native.h"

#define B1000 111 /* [992, 1024) ns */
#define B5000 147 /* [4864, 5120) ns */
#define LAST  (SONDE_HIST_BUCKETS - 1)

static __u64 h[SONDE_HIST_BUCKETS];
static struct prom_native_bucket nb[SONDE_HIST_BUCKETS];
static struct prom_native enc;

static int reset(void **state)
{
	(void)state;
	memset(h, 0, sizeof(h));
	return 0;
}

/* h's buckets at schema into nb[]: how many. */
static size_t rebucket(int schema, __u64 *zero)
{
	__s32 index_of[SONDE_HIST_BUCKETS];

	prom_native_indices(schema, index_of);
	return prom_native_rebucket(h, index_of, nb, zero);
}

/* Bucket i's upper bound by another road: long double, 64 bits of mantissa. */
static long double upper_l(__s32 i, int schema)
{
	return exp2l(ldexpl((long double)i, -schema));
}

/* The largest value of sonde bucket b, in seconds. */
static double top_of(__u32 b)
{
	return prom_ns_seconds(sonde_bucket_upper_ns(b) - 1);
}

/* Each sonde bucket's largest value lies inside the native bucket it goes to, at every schema. */
static void test_every_bucket_in_bounds(void **state)
{
	__s32 index_of[SONDE_HIST_BUCKETS];
	int schema;
	__u32 b;

	(void)state;
	for (schema = PROM_NATIVE_SCHEMA_MIN; schema <= PROM_NATIVE_SCHEMA_MAX; schema++) {
		prom_native_indices(schema, index_of);
		for (b = 1; b < SONDE_HIST_BUCKETS; b++) {
			double v = top_of(b);
			__s32 i = prom_native_index(v, schema);

			assert_int_equal(index_of[b], i);
			/* In order, which is what lets the re-bucketing add neighbours up. */
			assert_true(b == 1 || index_of[b] >= index_of[b - 1]);

			if (!(prom_native_upper(i - 1, schema) < v &&
			      v <= prom_native_upper(i, schema)))
				fail_msg("schema %d bucket %u: %.17g not in bucket %d", schema, b,
					 v, i);
			if (!(upper_l(i - 1, schema) < v && v <= upper_l(i, schema)))
				fail_msg("schema %d bucket %u: %.17g not in (%.20Lg, %.20Lg]",
					 schema, b, v, upper_l(i - 1, schema), upper_l(i, schema));
		}
	}
}

/* Indices worked out in exact rational arithmetic: v <= 2^(i / 2^schema) for the least i. */
static void test_known_indices(void **state)
{
	(void)state;
	assert_int_equal(prom_native_index(top_of(B1000), 5), -636);
	assert_int_equal(prom_native_index(top_of(B5000), 5), -562);
	assert_int_equal(prom_native_index(top_of(1), 5), -956);
	assert_int_equal(prom_native_index(top_of(2), 5), -924);
	assert_int_equal(prom_native_index(top_of(1), 0), -29);
	assert_int_equal(prom_native_index(top_of(2), 0), -28);
	assert_int_equal(prom_native_index(top_of(LAST), 5), 356);
	assert_int_equal(prom_native_index(top_of(LAST), -4), 1);
	/* 1953125 ns is 2^-9 s exactly: the upper bound of its bucket, not the next one's lower. */
	assert_true(prom_ns_seconds(1953125) == 0x1p-9);
	assert_int_equal(prom_native_index(0x1p-9, 5), -288);
	assert_int_equal(prom_native_index(0x1p-9, -1), -4);
}

/* At a power of two, which is a bound at every schema >= 0, the bucket is the one below it. */
static void test_exact_powers(void **state)
{
	int schema, e;

	(void)state;
	for (schema = 0; schema <= PROM_NATIVE_SCHEMA_MAX; schema++) {
		for (e = -40; e <= 20; e++) {
			double v = ldexp(1.0, e);
			__s32 i = prom_native_index(v, schema);

			assert_int_equal(i, e * (1 << schema));
			assert_true(prom_native_upper(i, schema) == v);
			assert_int_equal(prom_native_index(nextafter(v, INFINITY), schema), i + 1);
			assert_int_equal(prom_native_index(nextafter(v, 0), schema), i);
		}
	}
	for (schema = PROM_NATIVE_SCHEMA_MIN; schema < 0; schema++) {
		assert_int_equal(prom_native_index(ldexp(1.0, 16), schema), 16 >> -schema);
		assert_int_equal(prom_native_index(ldexp(1.0, 17), schema), (16 >> -schema) + 1);
	}
}

/* A deterministic spread of counts over every bucket, zero ones among them. */
static __u64 fill(void)
{
	__u64 x = 88172645463325252ULL, total = 0;
	__u32 b;

	for (b = 0; b < SONDE_HIST_BUCKETS; b++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		h[b] = x % 3 ? x % 1000 : 0;
		total += h[b];
	}
	return total;
}

static __u64 native_total(size_t nr, __u64 zero)
{
	__u64 total = zero;
	size_t k;

	for (k = 0; k < nr; k++)
		total += nb[k].count;
	return total;
}

static void test_total_preserved(void **state)
{
	__u64 total = fill(), zero;
	int schema;

	(void)state;
	for (schema = PROM_NATIVE_SCHEMA_MIN; schema <= PROM_NATIVE_SCHEMA_MAX; schema++) {
		size_t nr = rebucket(schema, &zero), k;

		assert_int_equal(zero, h[0]);
		assert_int_equal(native_total(nr, zero), total);
		for (k = 1; k < nr; k++)
			assert_true(nb[k].index > nb[k - 1].index);
	}
}

/*
 * Schema 5 is the coarsest one nowhere coarser than sonde: there, no two sonde
 * buckets share a native one; at schema 4 some do.
 */
static void test_schema_5_separates(void **state)
{
	__u64 zero;
	__u32 b;

	(void)state;
	for (b = 1; b < SONDE_HIST_BUCKETS; b++)
		h[b] = 1;
	assert_int_equal(rebucket(PROM_NATIVE_SCHEMA, &zero), SONDE_HIST_BUCKETS - 1);
	assert_true(rebucket(PROM_NATIVE_SCHEMA - 1, &zero) < SONDE_HIST_BUCKETS - 1);
}

/* Spans and deltas, read back as Prometheus reads them, give the same buckets (and zeros). */
static void test_encode_round_trip(void **state)
{
	struct prom_native_bucket back[SONDE_HIST_BUCKETS];
	int schema;

	(void)state;
	fill();
	for (schema = PROM_NATIVE_SCHEMA_MIN; schema <= PROM_NATIVE_SCHEMA_MAX; schema++) {
		__u64 zero, count = 0;
		size_t nr = rebucket(schema, &zero), s, k = 0, l, d = 0;
		__s32 index = 0;

		prom_native_encode(nb, nr, &enc);
		for (s = 0; s < enc.nr_spans; s++) {
			assert_true(enc.spans[s].length > 0);
			/* A gap of 1 or 2 is zeros inside the span. */
			assert_true(s == 0 || enc.spans[s].offset > PROM_NATIVE_MAX_FILL);
			index += enc.spans[s].offset;
			for (l = 0; l < enc.spans[s].length; l++, d++, index++) {
				assert_true(d < enc.nr_deltas);
				count += (__u64)enc.deltas[d];
				if (count)
					back[k++] = (struct prom_native_bucket){.index = index,
										.count = count};
			}
		}
		assert_int_equal(d, enc.nr_deltas);
		assert_int_equal(k, nr);
		for (k = 0; k < nr; k++) {
			assert_int_equal(back[k].index, nb[k].index);
			assert_int_equal(back[k].count, nb[k].count);
		}
	}
}

/* 1 ns and 2 ns are neighbours at schema 0; 1023 ns is far above them. */
static void test_encode_by_hand(void **state)
{
	__u64 zero;
	size_t nr;

	(void)state;
	h[1] = 5;
	h[2] = 3;
	h[B1000] = 9;
	nr = rebucket(0, &zero);
	assert_int_equal(nr, 3);
	prom_native_encode(nb, nr, &enc);
	assert_int_equal(enc.nr_spans, 2);
	assert_int_equal(enc.spans[0].offset, -29);
	assert_int_equal(enc.spans[0].length, 2);
	assert_int_equal(enc.spans[1].offset, -19 - (-28) - 1);
	assert_int_equal(enc.spans[1].length, 1);
	assert_int_equal(enc.nr_deltas, 3);
	assert_int_equal(enc.deltas[0], 5);
	assert_int_equal(enc.deltas[1], -2);
	assert_int_equal(enc.deltas[2], 6);
}

/* Two empty buckets between are zeros in the span; three, a new span. */
static void test_encode_fills_small_gaps(void **state)
{
	const struct prom_native_bucket b[] = {{10, 4}, {13, 6}, {17, 1}};

	(void)state;
	prom_native_encode(b, 3, &enc);
	assert_int_equal(enc.nr_spans, 2);
	assert_int_equal(enc.spans[0].offset, 10);
	assert_int_equal(enc.spans[0].length, 4);
	assert_int_equal(enc.spans[1].offset, 3);
	assert_int_equal(enc.spans[1].length, 1);
	assert_int_equal(enc.nr_deltas, 5);
	assert_int_equal(enc.deltas[0], 4);
	assert_int_equal(enc.deltas[1], -4);
	assert_int_equal(enc.deltas[2], 0);
	assert_int_equal(enc.deltas[3], 6);
	assert_int_equal(enc.deltas[4], -5);
}

/* Several sonde buckets in one native bucket add up (schema -4: 2^16 per bucket). */
static void test_counts_add(void **state)
{
	__u64 zero;

	(void)state;
	h[B1000] = 4;
	h[B5000] = 6;
	assert_int_equal(rebucket(-4, &zero), 1);
	assert_int_equal(nb[0].index, -1);
	assert_int_equal(nb[0].count, 10);
}

static void test_empty(void **state)
{
	__u64 zero = 7;
	size_t nr;

	(void)state;
	nr = rebucket(PROM_NATIVE_SCHEMA, &zero);
	assert_int_equal(nr, 0);
	assert_int_equal(zero, 0);
	prom_native_encode(nb, nr, &enc);
	/* The no-op span: native, though nothing is in it. */
	assert_int_equal(enc.nr_spans, 1);
	assert_int_equal(enc.spans[0].offset, 0);
	assert_int_equal(enc.spans[0].length, 0);
	assert_int_equal(enc.nr_deltas, 0);
}

/* Values of 0 ns are the zero bucket's, and nothing else is. */
static void test_zero_bucket(void **state)
{
	__u64 zero;

	(void)state;
	h[0] = 12;
	assert_int_equal(rebucket(PROM_NATIVE_SCHEMA, &zero), 0);
	assert_int_equal(zero, 12);
	h[1] = 1;
	assert_int_equal(rebucket(PROM_NATIVE_SCHEMA, &zero), 1);
	assert_int_equal(zero, 12);
	/* 1 ns is above the zero bucket. */
	assert_true(prom_native_upper(nb[0].index - 1, PROM_NATIVE_SCHEMA) >
		    PROM_NATIVE_ZERO_THRESHOLD);
}

static void test_last_bucket(void **state)
{
	__u64 zero;

	(void)state;
	h[LAST] = 3;
	assert_int_equal(rebucket(PROM_NATIVE_SCHEMA, &zero), 1);
	assert_int_equal(nb[0].index, 356);
	assert_int_equal(nb[0].count, 3);
	assert_true(prom_native_upper(356, PROM_NATIVE_SCHEMA) >= top_of(LAST));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_bucket_in_bounds),
	    cmocka_unit_test(test_known_indices),
	    cmocka_unit_test(test_exact_powers),
	    cmocka_unit_test_setup(test_total_preserved, reset),
	    cmocka_unit_test_setup(test_schema_5_separates, reset),
	    cmocka_unit_test_setup(test_encode_round_trip, reset),
	    cmocka_unit_test_setup(test_encode_by_hand, reset),
	    cmocka_unit_test(test_encode_fills_small_gaps),
	    cmocka_unit_test_setup(test_counts_add, reset),
	    cmocka_unit_test_setup(test_empty, reset),
	    cmocka_unit_test_setup(test_zero_bucket, reset),
	    cmocka_unit_test_setup(test_last_bucket, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
