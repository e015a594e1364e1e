// SPDX-License-Identifier: GPL-2.0
/* sonde diff: the verdict rules over runs and slices (user/diff/diff_judge.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include "diff/diff.h"
#include "diff/diff_judge.h"
#include "core/hist.h"
#include "lat/lat_slices.h"

/* Student's t against tabled values. */
static void test_student_t(void **state)
{
	(void)state;
	/* t = 2.228 is the 0.975 quantile at 10 degrees of freedom: two-sided p 0.05. */
	assert_true(fabs(student_t_p(2.228, 10) - 0.05) < 1e-3);
	assert_true(fabs(student_t_quantile(0.975, 10) - 2.228) < 1e-3);
	assert_true(fabs(student_t_quantile(0.995, 4) - 4.604) < 1e-3);
	assert_true(fabs(student_t_quantile(0.95, 1) - 6.314) < 1e-3);
	assert_true(fabs(student_t_quantile(0.975, 1e6) - 1.960) < 1e-3);
	assert_true(student_t_p(0, 5) == 1);
	assert_true(student_t_p(INFINITY, 5) == 0);
	assert_true(fabs(student_t_quantile(0.025, 10) + 2.228) < 1e-3);
}

/* Cut the run in k slices of equal calls, each with the run's spread. */
static void add_slices(struct lat_profile *p, size_t k)
{
	struct func_result *f = &p->funcs[0];
	struct lat_func_slices *fs = calloc(1, sizeof(*fs));
	size_t j;
	int bk;

	fs->s = calloc(k, sizeof(*fs->s));
	fs->nr = k;
	p->slice_ns = p->duration_ns / k;
	for (j = 0; j < k; j++) {
		struct lat_slice *sl = &fs->s[j];

		sl->bucket = calloc(SONDE_HIST_BUCKETS, sizeof(*sl->bucket));
		sl->count = calloc(SONDE_HIST_BUCKETS, sizeof(*sl->count));
		for (bk = 0; bk < SONDE_HIST_BUCKETS; bk++) {
			/* Bucket counts spread over the slices, remainders to the first. */
			__u64 c = f->hist[bk] / k + (j < f->hist[bk] % k);

			if (!c)
				continue;
			sl->bucket[sl->nr] = (__u16)bk;
			sl->count[sl->nr++] = c;
			sl->calls += c;
		}
		sl->total_ns = f->calls ? f->total_ns / f->calls * sl->calls : 0;
	}
	f->slices = fs;
}

/* A profile whose single function took `ns` per call, `calls` times. */
static struct sonde_profile *profile_of(const char *main, const char *fn, __u64 ns, __u64 calls)
{
	struct sonde_profile *sp = calloc(1, sizeof(*sp));
	struct lat_profile *p = lat_profile_new(1);
	__u64 i;

	sp->kind = PROFILE_LAT;
	sp->meta = calloc(1, sizeof(*sp->meta));
	sp->lat = p;
	p->main_object = main;
	p->duration_ns = 1000000000ULL;
	p->funcs[0].object = main;
	p->funcs[0].name = fn;
	for (i = 0; i < calls; i++) {
		/* Spread over ±5 % so the histogram has width. */
		__u64 v = ns - ns / 20 + (ns / 10) * i / calls;

		p->funcs[0].hist[sonde_bucket_of_ns(v)]++;
		p->funcs[0].total_ns += v;
		if (!p->funcs[0].min_ns || v < p->funcs[0].min_ns)
			p->funcs[0].min_ns = v;
		if (v > p->funcs[0].max_ns)
			p->funcs[0].max_ns = v;
	}
	p->funcs[0].calls = calls;
	add_slices(p, 10);
	return sp;
}

static const struct diff_opts defaults = {DIFF_P90, 10, 0.01, 50};

static int diffn(struct sonde_profile **base, size_t nb, struct sonde_profile **now, size_t nn,
		 struct diff_report **r)
{
	struct diff_runs runs = {.base = base, .nr_base = nb, .new = now, .nr_new = nn};

	return diff_compute(&runs, &defaults, r);
}

static struct diff_report *diff2(struct sonde_profile *base, struct sonde_profile *now)
{
	struct diff_report *r = NULL;

	assert_int_equal(diffn(&base, 1, &now, 1, &r), 0);
	return r;
}

/*
 * One run a side: the slices stand in for runs, and only a change of 50 % or
 * more that they agree on is called; a smaller one is inconclusive.
 */
static void test_single_runs(void **state)
{
	/* Different paths for the main executable: builds move, names pair. */
	struct sonde_profile *base = profile_of("/opt/v1/svc", "lookup", 100000, 2000);
	struct sonde_profile *slower = profile_of("/opt/v2/svc", "lookup", 130000, 2000);
	struct sonde_profile *much = profile_of("/opt/v2/svc", "lookup", 200000, 2000);
	struct sonde_profile *faster = profile_of("/opt/v2/svc", "lookup", 40000, 2000);
	struct sonde_profile *same = profile_of("/opt/v2/svc", "lookup", 101000, 2000);
	struct diff_report *r;

	(void)state;
	r = diff2(base, slower);
	assert_int_equal(r->regressions, 0);
	assert_int_equal(r->rows[0].verdict, DIFF_INCONCLUSIVE);
	assert_int_equal(r->rows[0].grounds.basis, DIFF_BY_SLICES);
	assert_true(r->rows[0].grounds.runs_needed >= 3);
	assert_true(fabs(r->rows[0].change_pct[DIFF_P90] - 30) < 5);
	assert_int_equal(r->inconclusive, 1);
	diff_report_free(r);
	r = diff2(base, much);
	assert_int_equal(r->regressions, 1);
	assert_int_equal(r->rows[0].verdict, DIFF_REGRESSION);
	assert_int_equal(r->rows[0].severity, DIFF_CRITICAL);
	diff_report_free(r);
	r = diff2(base, faster);
	assert_int_equal(r->regressions, 0);
	assert_int_equal(r->rows[0].verdict, DIFF_IMPROVEMENT);
	diff_report_free(r);
	/* +1 %, and slices that agree closely: within the threshold. */
	r = diff2(base, same);
	assert_int_equal(r->rows[0].verdict, DIFF_UNCHANGED);
	diff_report_free(r);
	/* No slices (a file of an older sonde): nothing to weigh it against. */
	lat_func_slices_free(much->lat->funcs[0].slices);
	much->lat->funcs[0].slices = NULL;
	r = diff2(base, much);
	assert_int_equal(r->rows[0].verdict, DIFF_INCONCLUSIVE);
	assert_int_equal(r->rows[0].grounds.basis, DIFF_BY_NOTHING);
	diff_report_free(r);
	sonde_profile_free(base);
	sonde_profile_free(slower);
	sonde_profile_free(much);
	sonde_profile_free(faster);
	sonde_profile_free(same);
}

/* Runs whose metric wanders by `jitter` (fractions, one a run) around ns. */
static void runs_of(struct sonde_profile **v, size_t n, __u64 ns, const double *jitter)
{
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = profile_of("/svc", "f", (__u64)(ns * (1 + jitter[i])), 2000);
}

static void free_runs(struct sonde_profile **v, size_t n)
{
	while (n--)
		sonde_profile_free(v[n]);
}

/* Five runs a side: +30 % is called, +2 % shown unchanged, and a noisy +15 %
 * is inconclusive with the runs that would settle it. */
static void test_runs(void **state)
{
	const double quiet[5] = {-0.01, 0.005, 0.0, 0.01, -0.005};
	const double noisy[5] = {-0.2, 0.15, 0.0, 0.25, -0.15};
	struct sonde_profile *base[5], *now[5];
	struct diff_report *r = NULL;

	(void)state;
	runs_of(base, 5, 100000, quiet);
	runs_of(now, 5, 130000, quiet);
	assert_int_equal(diffn(base, 5, now, 5, &r), 0);
	assert_int_equal(r->rows[0].verdict, DIFF_REGRESSION);
	assert_int_equal(r->rows[0].severity, DIFF_WARNING);
	assert_int_equal(r->rows[0].grounds.basis, DIFF_BY_RUNS);
	assert_true(r->rows[0].p_value < 0.01);
	assert_true(r->rows[0].grounds.lo_pct > 20 && r->rows[0].grounds.hi_pct < 40);
	diff_report_free(r);
	free_runs(now, 5);
	runs_of(now, 5, 102000, quiet);
	assert_int_equal(diffn(base, 5, now, 5, &r), 0);
	assert_int_equal(r->rows[0].verdict, DIFF_UNCHANGED);
	diff_report_free(r);
	free_runs(now, 5);
	free_runs(base, 5);
	runs_of(base, 5, 100000, noisy);
	runs_of(now, 5, 115000, noisy);
	assert_int_equal(diffn(base, 5, now, 5, &r), 0);
	assert_int_equal(r->rows[0].verdict, DIFF_INCONCLUSIVE);
	assert_int_equal(r->regressions, 0);
	assert_true(r->rows[0].grounds.runs_needed > 5);
	assert_true(r->runs_needed == r->rows[0].grounds.runs_needed);
	assert_true(r->rows[0].grounds.noise_pct > 10);
	diff_report_free(r);
	free_runs(now, 5);
	free_runs(base, 5);
}

static void test_too_few_calls_is_not_significant(void **state)
{
	struct sonde_profile *base = profile_of("/svc", "f", 100000, 3);
	struct sonde_profile *now = profile_of("/svc", "f", 130000, 3);
	struct diff_report *r = diff2(base, now);

	(void)state;
	assert_true(r->rows[0].p_value >= 0.01);
	assert_int_not_equal(r->rows[0].verdict, DIFF_REGRESSION);
	diff_report_free(r);
	sonde_profile_free(base);
	sonde_profile_free(now);
}

/* With several bases, a change inside the bases' own spread is not called. */
static void test_base_spread(void **state)
{
	const double spread[3] = {0, 0.4, 0.2}, tight[3] = {0.0, 0.01, -0.01};
	struct sonde_profile *bases[3], *now[3], *out[3];
	struct diff_report *r = NULL;

	(void)state;
	runs_of(bases, 3, 100000, spread);
	runs_of(now, 3, 135000, tight);
	runs_of(out, 3, 200000, tight);
	assert_int_equal(diffn(bases, 3, now, 3, &r), 0);
	assert_int_not_equal(r->rows[0].verdict, DIFF_REGRESSION);
	diff_report_free(r);
	assert_int_equal(diffn(bases, 3, out, 3, &r), 0);
	assert_int_equal(r->rows[0].verdict, DIFF_REGRESSION);
	diff_report_free(r);
	free_runs(bases, 3);
	free_runs(now, 3);
	free_runs(out, 3);
}

static void test_new_gone_and_nothing_in_common(void **state)
{
	struct sonde_profile *base = profile_of("/svc", "old_fn", 1000, 100);
	struct sonde_profile *now = profile_of("/svc", "new_fn", 1000, 100);
	struct diff_report *r = NULL;
	int saved = dup(2), null = open("/dev/null", O_WRONLY);

	(void)state;
	dup2(null, 2);
	assert_int_equal(diffn(&base, 1, &now, 1, &r), -2);
	dup2(saved, 2);
	close(saved);
	close(null);
	sonde_profile_free(base);
	sonde_profile_free(now);
}

struct fn_spec {
	const char *name, *mangled;
	__u64 ns, calls;
};

/* A profile of several functions of /svc, each as profile_of() makes one. */
static struct sonde_profile *profile_with(const struct fn_spec *fns, size_t n)
{
	struct sonde_profile *sp = profile_of("/svc", fns[0].name, fns[0].ns, fns[0].calls);
	struct lat_profile *p = lat_profile_new(n);
	size_t i;

	p->main_object = "/svc";
	p->duration_ns = sp->lat->duration_ns;
	for (i = 0; i < n; i++) {
		struct sonde_profile *one = profile_of("/svc", fns[i].name, fns[i].ns, fns[i].calls);

		p->funcs[i] = one->lat->funcs[0];
		p->funcs[i].mangled = fns[i].mangled;
		one->lat->funcs[0].slices = NULL; /* p's now */
		sonde_profile_free(one);
	}
	lat_profile_free(sp->lat);
	sp->lat = p;
	return sp;
}

/* The row of that mangled name (NULL: the row without one). */
static const struct diff_row *row_of(const struct diff_report *r, const char *mangled)
{
	size_t i;

	for (i = 0; i < r->nr_rows; i++)
		if (mangled ? r->rows[i].mangled && !strcmp(r->rows[i].mangled, mangled)
			    : !r->rows[i].mangled)
			return &r->rows[i];
	fail_msg("no row for %s", mangled ? mangled : "(no mangled name)");
	return NULL;
}

/* Functions of one name (C++'s D0 and D1 destructors) pair by mangled name, in any order. */
static void test_pairs_by_mangled_name(void **state)
{
	const struct fn_spec b[] = {{"Circle::~Circle()", "_ZN6CircleD0Ev", 100000, 500},
				    {"Circle::~Circle()", "_ZN6CircleD1Ev", 200000, 700}};
	const struct fn_spec n[] = {{"Circle::~Circle()", "_ZN6CircleD1Ev", 200000, 800},
				    {"Circle::~Circle()", "_ZN6CircleD0Ev", 100000, 600}};
	struct sonde_profile *base = profile_with(b, 2), *now = profile_with(n, 2);
	struct diff_report *r = diff2(base, now);

	(void)state;
	assert_int_equal(r->nr_rows, 2);
	assert_int_equal(row_of(r, "_ZN6CircleD0Ev")->base.calls, 500);
	assert_int_equal(row_of(r, "_ZN6CircleD0Ev")->new.calls, 600);
	assert_int_equal(row_of(r, "_ZN6CircleD1Ev")->base.calls, 700);
	assert_int_equal(row_of(r, "_ZN6CircleD1Ev")->new.calls, 800);
	diff_report_free(r);
	sonde_profile_free(base);
	sonde_profile_free(now);
}

/*
 * A file without mangled names (an older sonde's), or whose mangled name
 * changed (a Rust hash): a unique name pairs all the same; two functions of
 * one name are not guessed at.
 */
static void test_pairs_without_mangled_name(void **state)
{
	const struct fn_spec b[] = {{"ns::get(int)", NULL, 100000, 300},
				    {"Circle::~Circle()", NULL, 100000, 500},
				    {"Circle::~Circle()", NULL, 200000, 700}};
	const struct fn_spec n[] = {{"ns::get(int)", "_ZN2ns3getEi", 100000, 400},
				    {"Circle::~Circle()", "_ZN6CircleD0Ev", 100000, 600},
				    {"Circle::~Circle()", "_ZN6CircleD1Ev", 200000, 800}};
	struct sonde_profile *base = profile_with(b, 3), *now = profile_with(n, 3);
	struct diff_report *r = diff2(base, now);

	(void)state;
	assert_int_equal(row_of(r, "_ZN2ns3getEi")->base.calls, 300);
	assert_int_equal(row_of(r, "_ZN2ns3getEi")->new.calls, 400);
	assert_int_equal(row_of(r, "_ZN6CircleD0Ev")->base.calls, 0);
	assert_int_equal(row_of(r, "_ZN6CircleD1Ev")->base.calls, 0);
	assert_int_equal(row_of(r, NULL)->verdict, DIFF_GONE);
	assert_int_equal(r->nr_rows, 4);
	diff_report_free(r);
	sonde_profile_free(base);
	sonde_profile_free(now);
}

/*
 * One run a side where the run moved as a whole (every function +60 %: a
 * busier machine) calls nothing; one function of four twice as slow is called.
 */
static void test_single_runs_common_shift(void **state)
{
	const struct fn_spec b[] = {{"a", NULL, 100000, 2000}, {"b", NULL, 50000, 2000},
				    {"c", NULL, 20000, 2000},  {"d", NULL, 70000, 2000}};
	const struct fn_spec all[] = {{"a", NULL, 160000, 2000}, {"b", NULL, 80000, 2000},
				      {"c", NULL, 32000, 2000},	 {"d", NULL, 112000, 2000}};
	const struct fn_spec one[] = {{"a", NULL, 200000, 2000}, {"b", NULL, 50000, 2000},
				      {"c", NULL, 20000, 2000},	 {"d", NULL, 70000, 2000}};
	struct sonde_profile *base = profile_with(b, 4), *moved = profile_with(all, 4),
			     *slower = profile_with(one, 4);
	struct diff_report *r;

	(void)state;
	r = diff2(base, moved);
	assert_true(r->shifted);
	assert_true(fabs(r->shift_pct - 60) < 5);
	assert_int_equal(r->regressions, 0);
	assert_int_equal(r->inconclusive, 4);
	diff_report_free(r);
	r = diff2(base, slower);
	assert_false(r->shifted);
	assert_int_equal(r->regressions, 1);
	assert_string_equal(r->rows[0].name, "a");
	diff_report_free(r);
	sonde_profile_free(base);
	sonde_profile_free(moved);
	sonde_profile_free(slower);
}

static void test_metric_names(void **state)
{
	enum diff_metric m;

	(void)state;
	assert_int_equal(diff_metric_parse("p99", &m), 0);
	assert_int_equal(m, DIFF_P99);
	assert_int_equal(diff_metric_parse("mean", &m), 0);
	assert_int_equal(m, DIFF_MEAN);
	assert_int_not_equal(diff_metric_parse("p95", &m), 0);
	assert_string_equal(diff_verdict_name(DIFF_GONE), "gone");
	assert_string_equal(diff_verdict_name(DIFF_INCONCLUSIVE), "inconclusive");
	assert_string_equal(diff_severity_name(DIFF_CRITICAL), "critical");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_student_t),
	    cmocka_unit_test(test_single_runs),
	    cmocka_unit_test(test_runs),
	    cmocka_unit_test(test_too_few_calls_is_not_significant),
	    cmocka_unit_test(test_base_spread),
	    cmocka_unit_test(test_new_gone_and_nothing_in_common),
	    cmocka_unit_test(test_pairs_by_mangled_name),
	    cmocka_unit_test(test_pairs_without_mangled_name),
	    cmocka_unit_test(test_single_runs_common_shift),
	    cmocka_unit_test(test_metric_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
