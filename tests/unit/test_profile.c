// SPDX-License-Identifier: GPL-2.0
/* The latency profile model: interval deltas, sort order, drops (user/lat/lat_profile.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "core/hist.h"
#include "lat/lat_profile.h"

#define B1000 111 /* [992, 1024) */
#define B5000 147 /* [4864, 5120) */

static void set_func(struct func_result *f, const char *name, __u64 calls, __u64 total,
		     __u64 self, __u64 min, __u64 max)
{
	f->object = "/usr/bin/x";
	f->name = name;
	f->calls = calls;
	f->total_ns = total;
	f->self_ns = self;
	f->min_ns = min;
	f->max_ns = max;
}

static void test_new_free(void **state)
{
	struct lat_profile *p = lat_profile_new(3);
	size_t i;
	int b;

	(void)state;
	assert_non_null(p);
	assert_int_equal(p->nr_funcs, 3);
	assert_false(p->final);
	for (i = 0; i < 3; i++) {
		assert_int_equal(p->funcs[i].calls, 0);
		for (b = 0; b < SONDE_HIST_BUCKETS; b++)
			assert_int_equal(p->funcs[i].hist[b], 0);
	}
	lat_profile_free(p);
	p = lat_profile_new(0);
	assert_non_null(p);
	assert_int_equal(p->nr_funcs, 0);
	lat_profile_free(p);
	lat_profile_free(NULL);
}

static void test_delta(void **state)
{
	struct lat_profile *prev = lat_profile_new(2), *cur = lat_profile_new(2);
	struct lat_profile *out = lat_profile_new(2);
	const struct func_result *a, *b;

	(void)state;
	/* prev: two calls of ~1 us to a; b never called. */
	prev->duration_ns = 1000000000ULL;
	prev->drops[SONDE_DROP_DEPTH] = 2;
	set_func(&prev->funcs[0], "a", 2, 2000, 1500, 1000, 1000);
	prev->funcs[0].hist[B1000] = 2;
	set_func(&prev->funcs[1], "b", 0, 0, 0, 0, 0);
	/* cur: a got three more calls of ~5 us, b its first two. */
	cur->duration_ns = 3000000000ULL;
	cur->drops[SONDE_DROP_DEPTH] = 5;
	cur->drops[SONDE_DROP_MISSED_RETURN] = 1;
	set_func(&cur->funcs[0], "a", 5, 17000, 11500, 1000, 5000);
	cur->funcs[0].hist[B1000] = 2;
	cur->funcs[0].hist[B5000] = 3;
	set_func(&cur->funcs[1], "b", 2, 2010, 2010, 1000, 1010);
	cur->funcs[1].hist[B1000] = 2;
	out->final = true;

	lat_profile_delta(out, cur, prev);
	assert_false(out->final);
	assert_int_equal(out->duration_ns, 2000000000ULL);
	assert_int_equal(out->drops[SONDE_DROP_DEPTH], 3);
	assert_int_equal(out->drops[SONDE_DROP_MISSED_RETURN], 1);
	assert_int_equal(out->drops[SONDE_DROP_ORPHAN_RETURN], 0);
	assert_int_equal(lat_profile_drops(out), 4);

	a = &out->funcs[0];
	assert_string_equal(a->name, "a");
	assert_string_equal(a->object, "/usr/bin/x");
	assert_int_equal(a->calls, 3);
	assert_int_equal(a->total_ns, 15000);
	assert_int_equal(a->self_ns, 10000);
	assert_int_equal(a->hist[B1000], 0);
	assert_int_equal(a->hist[B5000], 3);
	assert_int_equal(hist_total(a->hist), 3);
	/* The interval saw only the 5 us bucket: [4864, 5120), capped by the run's max. */
	assert_int_equal(a->min_ns, 4864);
	assert_int_equal(a->max_ns, 5000);

	b = &out->funcs[1];
	assert_int_equal(b->calls, 2);
	assert_int_equal(b->total_ns, 2010);
	assert_int_equal(b->hist[B1000], 2);
	/* Bucket [992, 1024) raised to the run's min and capped by its max. */
	assert_int_equal(b->min_ns, 1000);
	assert_int_equal(b->max_ns, 1010);

	lat_profile_free(prev);
	lat_profile_free(cur);
	lat_profile_free(out);
}

static void test_delta_idle_interval(void **state)
{
	struct lat_profile *prev = lat_profile_new(1), *cur = lat_profile_new(1);
	struct lat_profile *out = lat_profile_new(1);

	(void)state;
	set_func(&prev->funcs[0], "a", 4, 4000, 4000, 900, 1100);
	prev->funcs[0].hist[B1000] = 4;
	cur->funcs[0] = prev->funcs[0];
	out->funcs[0].min_ns = 77;
	out->funcs[0].max_ns = 77;
	lat_profile_delta(out, cur, prev);
	assert_int_equal(out->funcs[0].calls, 0);
	assert_int_equal(out->funcs[0].total_ns, 0);
	assert_int_equal(hist_total(out->funcs[0].hist), 0);
	/* No calls: no min or max, not the run's. */
	assert_int_equal(out->funcs[0].min_ns, 0);
	assert_int_equal(out->funcs[0].max_ns, 0);
	lat_profile_free(prev);
	lat_profile_free(cur);
	lat_profile_free(out);
}

/* Delta against an empty snapshot is the snapshot itself. */
static void test_delta_from_zero(void **state)
{
	struct lat_profile *zero = lat_profile_new(1), *cur = lat_profile_new(1);
	struct lat_profile *out = lat_profile_new(1);

	(void)state;
	cur->duration_ns = 5;
	set_func(&cur->funcs[0], "a", 3, 3000, 2000, 995, 1020);
	cur->funcs[0].hist[B1000] = 3;
	lat_profile_delta(out, cur, zero);
	assert_int_equal(out->duration_ns, 5);
	assert_int_equal(out->funcs[0].calls, 3);
	assert_int_equal(out->funcs[0].self_ns, 2000);
	assert_int_equal(out->funcs[0].min_ns, 995);
	assert_int_equal(out->funcs[0].max_ns, 1020);
	assert_memory_equal(out->funcs[0].hist, cur->funcs[0].hist, sizeof(cur->funcs[0].hist));
	lat_profile_free(zero);
	lat_profile_free(cur);
	lat_profile_free(out);
}

static void test_sort(void **state)
{
	struct lat_profile *p = lat_profile_new(5);

	(void)state;
	set_func(&p->funcs[0], "small", 100, 10, 10, 0, 0);
	set_func(&p->funcs[1], "big", 1, 30, 30, 0, 0);
	set_func(&p->funcs[2], "tie_few", 2, 20, 20, 0, 0);
	set_func(&p->funcs[3], "tie_many", 5, 20, 20, 0, 0);
	set_func(&p->funcs[4], "never", 0, 0, 0, 0, 0);
	p->funcs[1].hist[B1000] = 1;
	lat_profile_sort(p);
	assert_string_equal(p->funcs[0].name, "big");
	/* Histograms travel with their rows. */
	assert_int_equal(p->funcs[0].hist[B1000], 1);
	assert_string_equal(p->funcs[1].name, "tie_many");
	assert_string_equal(p->funcs[2].name, "tie_few");
	assert_string_equal(p->funcs[3].name, "small");
	assert_string_equal(p->funcs[4].name, "never");
	assert_int_equal(p->funcs[3].hist[B1000], 0);
	lat_profile_free(p);
}

static void test_sort_by_name_last(void **state)
{
	struct lat_profile *p = lat_profile_new(3);

	(void)state;
	set_func(&p->funcs[0], "zeta", 1, 10, 10, 0, 0);
	set_func(&p->funcs[1], "alpha", 1, 10, 10, 0, 0);
	set_func(&p->funcs[2], "mid", 1, 10, 10, 0, 0);
	lat_profile_sort(p);
	assert_string_equal(p->funcs[0].name, "alpha");
	assert_string_equal(p->funcs[1].name, "mid");
	assert_string_equal(p->funcs[2].name, "zeta");
	lat_profile_free(p);
}

static void test_drop_names(void **state)
{
	struct lat_profile *p = lat_profile_new(0);
	int d;

	(void)state;
	assert_string_equal(drop_name(SONDE_DROP_DEPTH), "depth");
	assert_string_equal(drop_name(SONDE_DROP_MISSED_RETURN), "missed_return");
	assert_string_equal(drop_name(SONDE_DROP_ORPHAN_RETURN), "orphan_return");
	for (d = 0; d < SONDE_DROP__COUNT; d++) {
		assert_non_null(drop_name(d));
		assert_true(strlen(drop_name(d)) > 0);
		p->drops[d] = (__u64)d + 1;
	}
	assert_string_equal(drop_name(SONDE_DROP__COUNT), "unknown");
	assert_int_equal(lat_profile_drops(p), SONDE_DROP__COUNT * (SONDE_DROP__COUNT + 1) / 2);
	lat_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_free),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_delta_idle_interval),
		cmocka_unit_test(test_delta_from_zero),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_sort_by_name_last),
		cmocka_unit_test(test_drop_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
