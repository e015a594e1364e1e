// SPDX-License-Identifier: GPL-2.0
/* sonde diff: the Mann-Whitney test over buckets, and the verdict rules. */
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
#include "diff/diff_stats.h"
#include "core/hist.h"

static __u64 a[SONDE_HIST_BUCKETS], b[SONDE_HIST_BUCKETS];

static void clear(void)
{
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
}

/* Small samples in the exact buckets 0..15, where a bucket holds one value. */
static void test_mwu_known_value(void **state)
{
	double z, p;

	(void)state;
	clear();
	/* a = {1,2,3,4,5}, b = {6,7,8,9,10}: U_b = 25, mean 12.5, var 22.92 (no ties),
	 * z = (25 - 12.5 - 0.5) / 4.787 = 2.507, two-sided p = 0.01219. */
	for (int v = 1; v <= 5; v++)
		a[v] = 1;
	for (int v = 6; v <= 10; v++)
		b[v] = 1;
	p = mann_whitney_p(a, b, &z);
	assert_true(fabs(z - 2.5067) < 1e-3);
	assert_true(fabs(p - 0.01219) < 1e-4);
	/* Swapped: the same p, the opposite sign. */
	p = mann_whitney_p(b, a, &z);
	assert_true(fabs(z + 2.5067) < 1e-3);
	assert_true(fabs(p - 0.01219) < 1e-4);
}

static void test_mwu_ties(void **state)
{
	double z, p;

	(void)state;
	clear();
	/* a = {1,1,2}, b = {2,3,3}: ranks 1.5,1.5,3.5 | 3.5,5.5,5.5; U_b = 14.5 - 6 = 8.5,
	 * tie term (8-2)*3 = 18, var = 9/12 * (7 - 18/30) = 4.8, z = (8.5-4.5-0.5)/2.191. */
	a[1] = 2;
	a[2] = 1;
	b[2] = 1;
	b[3] = 2;
	p = mann_whitney_p(a, b, &z);
	assert_true(fabs(z - 3.5 / sqrt(4.8)) < 1e-9);
	assert_true(fabs(p - erfc(z / sqrt(2))) < 1e-12);
}

static void test_mwu_degenerate(void **state)
{
	(void)state;
	clear();
	assert_true(mann_whitney_p(a, b, NULL) == 1); /* both empty */
	a[5] = 10;
	assert_true(mann_whitney_p(a, b, NULL) == 1); /* one empty */
	b[5] = 10;
	assert_true(mann_whitney_p(a, b, NULL) == 1); /* all tied */
}

static void test_mwu_identical_large(void **state)
{
	double p;
	int i;

	(void)state;
	clear();
	for (i = 100; i < 200; i++)
		a[i] = b[i] = 50;
	p = mann_whitney_p(a, b, NULL);
	assert_true(p > 0.99);
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
	return sp;
}

static const struct diff_opts defaults = {DIFF_P90, 10, 0.01, 50};

static struct diff_report *diff2(struct sonde_profile *base, struct sonde_profile *now)
{
	struct diff_report *r = NULL;

	assert_int_equal(diff_compute(&base, 1, now, &defaults, &r), 0);
	return r;
}

static void test_verdicts(void **state)
{
	/* Different paths for the main executable: builds move, names pair. */
	struct sonde_profile *base = profile_of("/opt/v1/svc", "lookup", 100000, 2000);
	struct sonde_profile *slower = profile_of("/opt/v2/svc", "lookup", 130000, 2000);
	struct sonde_profile *much = profile_of("/opt/v2/svc", "lookup", 200000, 2000);
	struct sonde_profile *faster = profile_of("/opt/v2/svc", "lookup", 70000, 2000);
	struct sonde_profile *same = profile_of("/opt/v2/svc", "lookup", 103000, 2000);
	struct diff_report *r;

	(void)state;
	r = diff2(base, slower);
	assert_int_equal(r->regressions, 1);
	assert_int_equal(r->rows[0].verdict, DIFF_REGRESSION);
	assert_int_equal(r->rows[0].severity, DIFF_WARNING);
	assert_true(fabs(r->rows[0].change_pct[DIFF_P90] - 30) < 5);
	diff_report_free(r);
	r = diff2(base, much);
	assert_int_equal(r->rows[0].severity, DIFF_CRITICAL);
	diff_report_free(r);
	r = diff2(base, faster);
	assert_int_equal(r->regressions, 0);
	assert_int_equal(r->rows[0].verdict, DIFF_IMPROVEMENT);
	diff_report_free(r);
	/* +3 %: significant with 2000 calls a side, but under the threshold. */
	r = diff2(base, same);
	assert_int_equal(r->rows[0].verdict, DIFF_UNCHANGED);
	diff_report_free(r);
	sonde_profile_free(base);
	sonde_profile_free(slower);
	sonde_profile_free(much);
	sonde_profile_free(faster);
	sonde_profile_free(same);
}

static void test_too_few_calls_is_not_significant(void **state)
{
	struct sonde_profile *base = profile_of("/svc", "f", 100000, 3);
	struct sonde_profile *now = profile_of("/svc", "f", 130000, 3);
	struct diff_report *r = diff2(base, now);

	(void)state;
	assert_true(r->rows[0].p_value >= 0.01);
	assert_int_equal(r->rows[0].verdict, DIFF_UNCHANGED);
	diff_report_free(r);
	sonde_profile_free(base);
	sonde_profile_free(now);
}

/* With several bases, a change inside the bases' own spread is noise. */
static void test_base_spread(void **state)
{
	struct sonde_profile *bases[2] = {profile_of("/svc", "f", 100000, 2000),
					  profile_of("/svc", "f", 140000, 2000)};
	struct sonde_profile *now = profile_of("/svc", "f", 135000, 2000);
	struct sonde_profile *out = profile_of("/svc", "f", 170000, 2000);
	struct diff_report *r = NULL;

	(void)state;
	assert_int_equal(diff_compute(bases, 2, now, &defaults, &r), 0);
	assert_int_equal(r->rows[0].verdict, DIFF_UNCHANGED);
	diff_report_free(r);
	assert_int_equal(diff_compute(bases, 2, out, &defaults, &r), 0);
	assert_int_equal(r->rows[0].verdict, DIFF_REGRESSION);
	diff_report_free(r);
	sonde_profile_free(bases[0]);
	sonde_profile_free(bases[1]);
	sonde_profile_free(now);
	sonde_profile_free(out);
}

static void test_new_gone_and_nothing_in_common(void **state)
{
	struct sonde_profile *base = profile_of("/svc", "old_fn", 1000, 100);
	struct sonde_profile *now = profile_of("/svc", "new_fn", 1000, 100);
	struct diff_report *r = NULL;
	int saved = dup(2), null = open("/dev/null", O_WRONLY);

	(void)state;
	dup2(null, 2);
	assert_int_equal(diff_compute(&base, 1, now, &defaults, &r), -2);
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
	assert_string_equal(diff_severity_name(DIFF_CRITICAL), "critical");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mwu_known_value),
	    cmocka_unit_test(test_mwu_ties),
	    cmocka_unit_test(test_mwu_degenerate),
	    cmocka_unit_test(test_mwu_identical_large),
	    cmocka_unit_test(test_verdicts),
	    cmocka_unit_test(test_too_few_calls_is_not_significant),
	    cmocka_unit_test(test_base_spread),
	    cmocka_unit_test(test_new_gone_and_nothing_in_common),
	    cmocka_unit_test(test_pairs_by_mangled_name),
	    cmocka_unit_test(test_pairs_without_mangled_name),
	    cmocka_unit_test(test_metric_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
