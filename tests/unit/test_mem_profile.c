// SPDX-License-Identifier: GPL-2.0
/* The memory model: least-squares growth, sparklines, grouping of live
 * allocations by stack, ranking, sample thinning, sizes (user/mem_profile.c). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "mem_profile.h"

#define S 1000000000ULL

static void test_lsq_exact_line(void **state)
{
	__u64 t[] = {0, S / 2, S, 3 * S / 2, 2 * S};
	double v[] = {100, 150, 200, 250, 300}, slope, r2;

	(void)state;
	assert_int_equal(mem_growth_lsq(t, v, 5, &slope, &r2), 0);
	assert_float_equal(slope, 100.0, 1e-9);
	assert_float_equal(r2, 1.0, 1e-12);
}

static void test_lsq_flat_and_noise(void **state)
{
	__u64 t[] = {0, S, 2 * S, 3 * S, 4 * S, 5 * S};
	double flat[] = {7, 7, 7, 7, 7, 7}, saw[] = {0, 10, 0, 10, 0, 10}, slope, r2;

	(void)state;
	assert_int_equal(mem_growth_lsq(t, flat, 6, &slope, &r2), 0);
	assert_float_equal(slope, 0.0, 1e-12);
	assert_float_equal(r2, 1.0, 1e-12);
	/* A saw-tooth: slope 10/17.5 per second, and a poor fit. */
	assert_int_equal(mem_growth_lsq(t, saw, 6, &slope, &r2), 0);
	assert_float_equal(slope, 15.0 / 17.5, 1e-9);
	assert_true(r2 < 0.3);
}

static void test_lsq_too_few_points(void **state)
{
	__u64 t[] = {S, S};
	double v[] = {1, 2}, slope = -1, r2 = -1;

	(void)state;
	assert_int_equal(mem_growth_lsq(t, v, 1, &slope, &r2), -EINVAL);
	/* Two points at one time: no slope. */
	assert_int_equal(mem_growth_lsq(t, v, 2, &slope, &r2), -EINVAL);
	assert_float_equal(slope, -1, 0);
}

static void test_sparkline(void **state)
{
	double ramp[] = {0, 1, 2, 3, 4, 5, 6, 7}, zero[] = {0, 0, 0};
	char buf[128];

	(void)state;
	assert_string_equal(mem_sparkline(ramp, 8, 16, buf, sizeof(buf)), "▁▂▃▄▅▆▇█");
	/* 8 values in 4 columns: the last value of each pair. */
	assert_string_equal(mem_sparkline(ramp, 8, 4, buf, sizeof(buf)), "▂▄▆█");
	assert_string_equal(mem_sparkline(zero, 3, 16, buf, sizeof(buf)), "▁▁▁");
	assert_string_equal(mem_sparkline(ramp, 0, 16, buf, sizeof(buf)), "");
	/* A short buffer is never overrun: whole characters only. */
	assert_string_equal(mem_sparkline(ramp, 8, 16, buf, 8), "▁▂");
}

static void test_stacks_sorted_and_found(void **state)
{
	struct mem_profile *p = mem_profile_new(8);
	__u32 ids[] = {40, 7, 19, SONDE_MEM_NO_STACK, 0};
	size_t i;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < 5; i++)
		assert_non_null(mem_profile_stack(p, ids[i]));
	assert_int_equal(p->nr_stacks, 5);
	assert_ptr_equal(mem_profile_stack(p, 19), mem_profile_find(p, 19));
	assert_int_equal(p->nr_stacks, 5);
	for (i = 1; i < p->nr_stacks; i++)
		assert_true(p->stacks[i - 1].id < p->stacks[i].id);
	assert_null(mem_profile_find(p, 8));
	mem_profile_free(p);
}

static void test_group_live_allocations(void **state)
{
	struct mem_profile *p = mem_profile_new(8);
	struct mem_stack *a, *b;

	(void)state;
	mem_profile_stack(p, 1);
	mem_profile_stack(p, 2);
	mem_profile_clear_ages(p, 5 * S);
	assert_int_equal(mem_profile_add_live(p, 1, 100, 6 * S), 0);
	assert_int_equal(mem_profile_add_live(p, 1, 50, 1 * S), 0);
	assert_int_equal(mem_profile_add_live(p, 1, 25, 9 * S), 0);
	assert_int_equal(mem_profile_add_live(p, 2, 10, 2 * S), 0);
	/* A stack the profile has not read yet: left out, said so. */
	assert_int_equal(mem_profile_add_live(p, 3, 10, 9 * S), -ENOENT);
	a = mem_profile_find(p, 1);
	b = mem_profile_find(p, 2);
	assert_int_equal(a->old_allocs, 2);
	assert_int_equal(a->old_bytes, 125);
	assert_int_equal(a->oldest_ns, 9 * S);
	assert_int_equal(b->old_allocs, 0);
	assert_int_equal(b->oldest_ns, 2 * S);
	/* A new scan starts from nothing. */
	mem_profile_clear_ages(p, S);
	assert_int_equal(a->old_allocs, 0);
	assert_int_equal(a->oldest_ns, 0);
	mem_profile_free(p);
}

/* Stack 1 grows 1000 B/s steadily, stack 2 jumps once, stack 3 never allocates. */
static struct mem_profile *three_stacks(void)
{
	struct mem_profile *p = mem_profile_new(64);
	struct mem_stack *s;
	int i;

	mem_profile_sample(p, 0, true);
	mem_profile_stack(p, 3);
	for (i = 1; i <= 6; i++) {
		s = mem_profile_stack(p, 1);
		s->allocs = s->live_allocs = i;
		s->live_bytes = 1000 * i;
		s = mem_profile_stack(p, 2);
		s->allocs = s->live_allocs = 1;
		s->live_bytes = 5000;
		mem_profile_sample(p, i * S, false);
	}
	mem_profile_update_growth(p);
	return p;
}

static void test_rank_and_suspects(void **state)
{
	struct mem_profile *p = three_stacks();
	size_t order[3], n;

	(void)state;
	n = mem_profile_rank(p, order, 3);
	assert_int_equal(n, 2); /* stack 3 never allocated */
	assert_int_equal(p->stacks[order[0]].id, 1);
	assert_float_equal(p->stacks[order[0]].growth_bytes_per_s, 1000.0, 1e-6);
	assert_true(mem_stack_is_suspect(p, &p->stacks[order[0]]));
	/* A step at the start is growth, but not steady: no suspect. */
	assert_int_equal(p->stacks[order[1]].id, 2);
	assert_false(mem_stack_is_suspect(p, &p->stacks[order[1]]));
	assert_int_equal(mem_profile_rank(p, order, 1), 1);
	assert_int_equal(mem_profile_live_bytes(p, false), 11000);
	assert_int_equal(mem_profile_live_allocs(p, false), 7);
	assert_int_equal(mem_profile_live_bytes(p, true), 0);
	mem_profile_free(p);
}

static void test_thinning_keeps_growth(void **state)
{
	struct mem_profile *p = mem_profile_new(8);
	struct mem_stack *s = mem_profile_stack(p, 1);
	int i;

	(void)state;
	for (i = 0; i <= 40; i++) {
		s->live_bytes = 10 * i;
		mem_profile_sample(p, i * S, i == 40);
	}
	assert_true(p->nr_samples <= 8);
	assert_true(p->stride > 1);
	/* Thinned evenly, and the forced last sample is there. */
	assert_int_equal(p->sample_ns[0], 0);
	assert_int_equal(p->sample_ns[p->nr_samples - 1], 40 * S);
	mem_profile_update_growth(p);
	assert_float_equal(s->growth_bytes_per_s, 10.0, 1e-6);
	mem_profile_free(p);
}

static void test_frames_and_shallow(void **state)
{
	struct mem_profile *p = mem_profile_new(8);
	const char *deep[] = {"leak+0x1c", "loop+0x8", "main+0x33"}, *one[] = {"f+0x1"};
	struct mem_stack *s;
	size_t with;

	(void)state;
	s = mem_profile_stack(p, 1);
	assert_int_equal(mem_stack_set_frames(s, deep, 3), 0);
	s->allocs = 1;
	s = mem_profile_stack(p, 2);
	assert_int_equal(mem_stack_set_frames(s, one, 1), 0);
	s->allocs = 1;
	s = mem_profile_stack(p, 4);
	s->allocs = 1;
	assert_int_equal(mem_profile_shallow_stacks(p, &with), 2);
	assert_int_equal(with, 3);
	assert_string_equal(mem_profile_find(p, 1)->frames[2], "main+0x33");
	mem_profile_free(p);
}

static void test_lower_bound(void **state)
{
	struct mem_profile *p = mem_profile_new(8);

	(void)state;
	assert_false(mem_profile_lower_bound(p));
	p->drops[SONDE_MD_RINGBUF] = 3; /* losing printed records loses no totals */
	assert_false(mem_profile_lower_bound(p));
	p->drops[SONDE_MD_ALLOCS_FULL] = 1;
	assert_true(mem_profile_lower_bound(p));
	mem_profile_free(p);
}

static void test_fmt_bytes(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(mem_fmt_bytes(b, sizeof(b), 0), "0B");
	assert_string_equal(mem_fmt_bytes(b, sizeof(b), 1023), "1023B");
	assert_string_equal(mem_fmt_bytes(b, sizeof(b), 1024), "1.00KiB");
	assert_string_equal(mem_fmt_bytes(b, sizeof(b), 1536), "1.50KiB");
	assert_string_equal(mem_fmt_bytes(b, sizeof(b), 204800), "200KiB");
	assert_string_equal(mem_fmt_bytes(b, sizeof(b), 1048575), "1.00MiB");
	assert_string_equal(mem_fmt_bytes(b, sizeof(b), 4194304), "4.00MiB");
	assert_string_equal(mem_fmt_bytes(b, sizeof(b), -2048), "-2.00KiB");
	assert_string_equal(mem_fmt_bytes(b, sizeof(b), 3.5 * 1024 * 1024 * 1024), "3.50GiB");
}

static void test_parse_size(void **state)
{
	__u64 v = 0;

	(void)state;
	assert_int_equal(mem_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(mem_parse_size("64k", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(mem_parse_size("1M", &v), 0);
	assert_int_equal(v, 1048576);
	assert_int_equal(mem_parse_size("1MiB", &v), 0);
	assert_int_equal(v, 1048576);
	assert_int_equal(mem_parse_size("2GB", &v), 0);
	assert_int_equal(v, 2147483648ULL);
	assert_int_equal(mem_parse_size("512B", &v), 0);
	assert_int_equal(v, 512);
	assert_int_equal(mem_parse_size("1.5k", &v), 0);
	assert_int_equal(v, 1536);
	assert_int_equal(mem_parse_size("lots", &v), -EINVAL);
	assert_int_equal(mem_parse_size("-1", &v), -EINVAL);
	assert_int_equal(mem_parse_size("1x", &v), -EINVAL);
	assert_int_equal(mem_parse_size("1MiBs", &v), -EINVAL);
	assert_int_equal(mem_parse_size("", &v), -EINVAL);
}

static void test_frame_function(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(mem_frame_function("leak_block+0x1c", b, sizeof(b)), "leak_block");
	assert_string_equal(mem_frame_function("ns::Cache::get+0x4", b, sizeof(b)),
			    "ns::Cache::get");
	assert_string_equal(mem_frame_function("libc.so.6+0x2724a", b, sizeof(b)),
			    "libc.so.6+0x2724a");
	assert_string_equal(mem_frame_function("0x7f0012345678", b, sizeof(b)), "0x7f0012345678");
	assert_string_equal(mem_frame_function("operator+", b, sizeof(b)), "operator+");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lsq_exact_line),
	    cmocka_unit_test(test_lsq_flat_and_noise),
	    cmocka_unit_test(test_lsq_too_few_points),
	    cmocka_unit_test(test_sparkline),
	    cmocka_unit_test(test_stacks_sorted_and_found),
	    cmocka_unit_test(test_group_live_allocations),
	    cmocka_unit_test(test_rank_and_suspects),
	    cmocka_unit_test(test_thinning_keeps_growth),
	    cmocka_unit_test(test_frames_and_shallow),
	    cmocka_unit_test(test_lower_bound),
	    cmocka_unit_test(test_fmt_bytes),
	    cmocka_unit_test(test_parse_size),
	    cmocka_unit_test(test_frame_function),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
