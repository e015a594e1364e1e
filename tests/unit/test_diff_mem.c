// SPDX-License-Identifier: GPL-2.0
/*
 * sonde diff on memory profiles (user/diff/diff_mem.c): stacks pair by their
 * functions, the verdict follows the runs, and pairing scales as n log n.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "diff/diff.h"

#define SAMPLES 6

/* n stacks "leak_<i>+0x10 < main+0x5", stack i growing by rate(i) bytes/s,
 * sampled every 0.5 s; offsets differ per run (builds move code). */
static struct sonde_profile *mem_run(size_t n, double scale, unsigned offset)
{
	struct sonde_profile *sp = calloc(1, sizeof(*sp));
	struct mem_profile *p = mem_profile_new(SAMPLES);
	size_t i, k;

	sp->kind = PROFILE_MEM;
	sp->meta = calloc(1, sizeof(*sp->meta));
	sp->mem = p;
	p->final = true;
	for (i = 0; i < n; i++) {
		char f0[64], f1[64];
		const char *frames[2] = {f0, f1};
		struct mem_stack *s = mem_profile_stack(p, (__u32)(i + 1));

		snprintf(f0, sizeof(f0), "leak_%zu+0x%x", i, 0x10 + offset);
		snprintf(f1, sizeof(f1), "main+0x%x", 0x5 + offset);
		assert_int_equal(mem_stack_set_frames(s, frames, 2), 0);
		s->allocs = 100;
	}
	for (k = 0; k < SAMPLES; k++) {
		for (i = 0; i < p->nr_stacks; i++) {
			/* Stack 0 grows by 100 KiB/s (times scale); the others are flat. */
			double rate = i == 0 ? 102400.0 * scale : 0;

			p->stacks[i].live_bytes = (__u64)(rate * 0.5 * (double)k);
		}
		assert_int_equal(mem_profile_sample(p, (__u64)k * 500000000ULL, true), 0);
	}
	p->duration_ns = (SAMPLES - 1) * 500000000ULL;
	mem_profile_update_growth(p);
	return sp;
}

static struct diff_report *diff_runs_of(struct sonde_profile **b, size_t nb,
					struct sonde_profile **n, size_t nn)
{
	const struct diff_opts o = {DIFF_P90, 10, 0.01, 50};
	struct diff_runs runs = {.base = b, .nr_base = nb, .new = n, .nr_new = nn};
	struct diff_report *r = NULL;

	assert_int_equal(diff_compute(&runs, &o, &r), 0);
	return r;
}

static const struct diff_stack_row *row_named(const struct diff_report *r, const char *prefix)
{
	size_t i;

	for (i = 0; i < r->nr_stacks; i++)
		if (!strncmp(r->stacks[i].name, prefix, strlen(prefix)))
			return &r->stacks[i];
	fail_msg("no stack %s", prefix);
	return NULL;
}

/* One run a side: twice the growth is called from the samples; the same is not. */
static void test_single_runs(void **state)
{
	struct sonde_profile *base = mem_run(3, 1, 0), *same = mem_run(3, 1, 7),
			     *fast = mem_run(3, 2, 7);
	struct diff_report *r;

	(void)state;
	r = diff_runs_of(&base, 1, &fast, 1);
	assert_int_equal(r->regressions, 1);
	assert_int_equal(row_named(r, "leak_0 <")->verdict, DIFF_REGRESSION);
	assert_true(fabs(row_named(r, "leak_0 <")->change_pct - 100) < 1);
	assert_int_equal(row_named(r, "leak_0 <")->grounds.basis, DIFF_BY_SLICES);
	assert_int_not_equal(row_named(r, "leak_1 <")->verdict, DIFF_REGRESSION);
	diff_report_free(r);
	r = diff_runs_of(&base, 1, &same, 1);
	assert_int_equal(r->regressions, 0);
	assert_int_equal(row_named(r, "leak_0 <")->verdict, DIFF_UNCHANGED);
	diff_report_free(r);
	sonde_profile_free(base);
	sonde_profile_free(same);
	sonde_profile_free(fast);
}

/* Three runs a side, growth varying a little from run to run. */
static void test_runs(void **state)
{
	struct sonde_profile *b[3] = {mem_run(2, 1.0, 0), mem_run(2, 1.02, 0),
				      mem_run(2, 0.98, 0)};
	struct sonde_profile *n[3] = {mem_run(2, 1.3, 1), mem_run(2, 1.32, 1),
				      mem_run(2, 1.28, 1)};
	struct diff_report *r = diff_runs_of(b, 3, n, 3);
	size_t i;

	(void)state;
	assert_int_equal(row_named(r, "leak_0 <")->verdict, DIFF_REGRESSION);
	assert_int_equal(row_named(r, "leak_0 <")->grounds.basis, DIFF_BY_RUNS);
	assert_int_equal(row_named(r, "leak_0 <")->nr_base_runs, 3);
	assert_true(fabs(row_named(r, "leak_0 <")->change_pct - 30) < 2);
	diff_report_free(r);
	for (i = 0; i < 3; i++) {
		sonde_profile_free(b[i]);
		sonde_profile_free(n[i]);
	}
}

static double seconds_to_diff(size_t n)
{
	struct sonde_profile *base = mem_run(n, 1, 0), *now = mem_run(n, 1, 3);
	struct timespec t0, t1;
	struct diff_report *r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = diff_runs_of(&base, 1, &now, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(r->nr_stacks, n);
	diff_report_free(r);
	sonde_profile_free(base);
	sonde_profile_free(now);
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/*
 * Pairing is n log n: 8 times the stacks take about 10 to 15 times as long (a
 * quadratic pairing, 64 times). A ratio, not a time: the machine is shared.
 */
static void test_pairing_scales(void **state)
{
	double small, big;

	(void)state;
	/* The fastest of three each: a busy machine only ever adds time. */
	small = fmin(fmin(seconds_to_diff(2048), seconds_to_diff(2048)), seconds_to_diff(2048));
	big = fmin(fmin(seconds_to_diff(16384), seconds_to_diff(16384)), seconds_to_diff(16384));
	printf("# 2048 stacks a side: %.3f s; 16384: %.3f s (x%.1f)\n", small, big, big / small);
	assert_true(big / small < 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_single_runs),
	    cmocka_unit_test(test_runs),
	    cmocka_unit_test(test_pairing_scales),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
