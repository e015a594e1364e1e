// SPDX-License-Identifier: GPL-2.0
/* The memory model: least-squares growth, sparklines, grouping of live
 * allocations by stack, ranking, sample thinning, sizes (user/mem/mem_profile.c). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "mem/mem_profile.h"

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
	/* No symbol in a stripped executable: the offset is what tells two apart. */
	assert_string_equal(mem_frame_function("(postgres+0x4a3c10)", b, sizeof(b)),
			    "(postgres+0x4a3c10)");
	assert_string_equal(mem_frame_function("operator+", b, sizeof(b)), "operator+");
}

/* 0, 1 s, 2 s, ... */
static void seconds(__u64 *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		t[i] = i * S;
}

static void test_trend_still_growing(void **state)
{
	double v[] = {0, 1000, 2000, 3000, 4000, 5000};
	struct mem_trend tr;
	__u64 t[6];

	(void)state;
	seconds(t, 6);
	mem_judge_trend(t, v, 6, &tr);
	assert_true(tr.suspect);
	assert_false(tr.freed_at_end);
	assert_float_equal(tr.rate_bytes_per_s, 1000.0, 1e-6);
	assert_float_equal(tr.peak_bytes, 5000.0, 0);
	/* Three samples are not a trend. */
	mem_judge_trend(t, v, 3, &tr);
	assert_false(tr.suspect);
}

/* The Python case: +8.4 MiB/s for the whole run, everything freed at exit. */
static void test_trend_freed_at_exit(void **state)
{
	double mib = 1048576, v[] = {0, 8.4 * mib, 16.8 * mib, 25.2 * mib, 33.6 * mib, 0};
	double late[] = {0, 1000, 2000, 3000, 4000, 4000, 100}, nothing[] = {0, 0, 0, 0, 0, 0};
	struct mem_trend tr;
	__u64 t[7];

	(void)state;
	seconds(t, 7);
	mem_judge_trend(t, v, 6, &tr);
	assert_true(tr.suspect);
	assert_true(tr.freed_at_end);
	assert_float_equal(tr.rate_bytes_per_s, 8.4 * mib, 1);
	assert_float_equal(tr.r2, 1.0, 1e-9);
	assert_float_equal(tr.peak_bytes, 33.6 * mib, 1);
	/* The peak two samples before the end, then most of it freed. */
	mem_judge_trend(t, late, 7, &tr);
	assert_true(tr.suspect);
	assert_true(tr.freed_at_end);
	assert_float_equal(tr.rate_bytes_per_s, 1000.0, 1e-6);
	mem_judge_trend(t, nothing, 6, &tr);
	assert_false(tr.suspect);
	assert_float_equal(tr.peak_bytes, 0, 0);
}

static void test_trend_not_a_leak(void **state)
{
	/* Freed long before the end, and stayed low: a cache that was flushed. */
	double flushed[] = {0, 1000, 2000, 3000, 4000, 0, 0, 0, 0, 0};
	/* A saw-tooth whose last tooth peaks at the end. */
	double saw[] = {0, 3000, 0, 3000, 0, 3000, 0, 3100, 0};
	/* Grew to the end and only a little of it went. */
	double half[] = {0, 1000, 2000, 3000, 4000, 3000};
	/* One step at the start, flat since. */
	double step[] = {0, 5000, 5000, 5000, 5000, 5000, 5000, 5000};
	struct mem_trend tr;
	__u64 t[10];

	(void)state;
	seconds(t, 10);
	mem_judge_trend(t, flushed, 10, &tr);
	assert_false(tr.suspect);
	assert_float_equal(tr.rate_bytes_per_s, 0, 0);
	mem_judge_trend(t, saw, 9, &tr);
	assert_false(tr.suspect);
	mem_judge_trend(t, half, 6, &tr);
	assert_true(tr.suspect);
	assert_false(tr.freed_at_end);
	mem_judge_trend(t, step, 8, &tr);
	assert_false(tr.suspect);
}

/* A stack freed at exit is a suspect of the profile, and ranks by its leak. */
static void test_profile_suspect_freed_at_exit(void **state)
{
	struct mem_profile *p = mem_profile_new(16);
	struct mem_stack *s;
	size_t order[2];
	int i;

	(void)state;
	mem_profile_sample(p, 0, true);
	for (i = 1; i <= 6; i++) {
		s = mem_profile_stack(p, 1);
		s->allocs = i < 6 ? (__u64)i : 5;
		s->live_allocs = i < 6 ? (__u64)i : 0;
		s->frees = i < 6 ? 0 : 5;
		s->live_bytes = i < 6 ? 10000 * (__u64)i : 0;
		s = mem_profile_stack(p, 2);
		s->allocs = s->live_allocs = (__u64)i;
		s->live_bytes = 100 * (__u64)i;
		mem_profile_sample(p, i * S, false);
	}
	mem_profile_update_growth(p);
	assert_int_equal(mem_profile_rank(p, order, 2), 2);
	s = &p->stacks[order[0]];
	assert_int_equal(s->id, 1);
	assert_true(mem_stack_is_suspect(p, s));
	assert_true(s->freed_at_end);
	assert_int_equal(s->live_allocs, 0);
	assert_float_equal(s->leak_bytes_per_s, 10000.0, 1e-6);
	assert_true(mem_stack_is_suspect(p, &p->stacks[order[1]]));
	assert_false(p->stacks[order[1]].freed_at_end);
	mem_profile_free(p);
}

/* Addresses of a pretend process: code at [0x1000, 0x2000) and [0x7000, 0x8000). */
static bool fake_is_code(void *ctx, __u64 addr)
{
	int *calls = ctx;

	(*calls)++;
	return (addr >= 0x1000 && addr < 0x2000) || (addr >= 0x7000 && addr < 0x8000);
}

static void test_stack_cut_at_data(void **state)
{
	__u64 whole[] = {0x1010, 0x7020, 0x1030, 0};
	__u64 junk[] = {0x1010, 0x7020, 0x766520726f662029ULL, 0x1040, 0};
	__u64 full[] = {0x1010, 0x1020, 0x1030};
	__u64 odd_first[] = {0x5000, 0x1010, 0};
	int calls = 0;

	(void)state;
	assert_int_equal(mem_stack_plausible(whole, 8, fake_is_code, &calls), 3);
	/* Cut at the text read as a return address; what follows it is not kept. */
	assert_int_equal(mem_stack_plausible(junk, 8, fake_is_code, &calls), 2);
	/* No terminating 0 within max. */
	assert_int_equal(mem_stack_plausible(full, 3, fake_is_code, &calls), 3);
	/* The innermost frame is where the thread ran: never judged. */
	calls = 0;
	assert_int_equal(mem_stack_plausible(odd_first, 8, fake_is_code, &calls), 2);
	assert_int_equal(calls, 1);
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
	    cmocka_unit_test(test_trend_still_growing),
	    cmocka_unit_test(test_trend_freed_at_exit),
	    cmocka_unit_test(test_trend_not_a_leak),
	    cmocka_unit_test(test_profile_suspect_freed_at_exit),
	    cmocka_unit_test(test_stack_cut_at_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
