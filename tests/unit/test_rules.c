// SPDX-License-Identifier: GPL-2.0
/* sonde rules: rules from lat and mem baselines and budgets, their YAML (user/diff/rules*.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/hist.h"
#include "core/util.h"
#include "diff/diff_lat.h"
#include "diff/rules.h"
#include "diff/rules_yaml.h"
#include "out/profile_file.h"

/* A C++ name with what PromQL, YAML and Go templates each take specially. */
#define ODD_NAME "odd\"name\\q{{x}}"
#define CXX_NAME "ns::Cache<int, long>::get(char const*, int) const"

struct fn {
	const char *object, *name;
	__u64 ns; /* 0: traced, never called */
};

/* Each function's 1000 calls spread over ±2 % of ns. */
static struct sonde_profile *lat_of(const struct fn *fns, size_t n)
{
	struct sonde_profile *sp = calloc(1, sizeof(*sp));
	struct lat_profile *p = lat_profile_new(n);
	size_t i, k;

	sp->kind = PROFILE_LAT;
	sp->meta = calloc(1, sizeof(*sp->meta));
	sp->lat = p;
	p->main_object = "/opt/svc";
	p->duration_ns = 1000000000ULL;
	for (i = 0; i < n; i++) {
		struct func_result *f = &p->funcs[i];

		f->object = fns[i].object;
		f->name = fns[i].name;
		for (k = 0; fns[i].ns && k < 1000; k++) {
			__u64 v = fns[i].ns - fns[i].ns / 50 + fns[i].ns / 25 * k / 1000;

			f->hist[sonde_bucket_of_ns(v)]++;
			f->total_ns += v;
			f->min_ns = f->min_ns && f->min_ns < v ? f->min_ns : v;
			f->max_ns = f->max_ns > v ? f->max_ns : v;
			f->calls++;
		}
	}
	return sp;
}

static void two_baselines(struct sonde_profile **p)
{
	const struct fn a[] = {{"/opt/svc", "step_lookup", 100000},
			       {"/opt/lib/libfoo.so.1", CXX_NAME, 20000},
			       {"/opt/svc", ODD_NAME, 5000},
			       {"/opt/svc", "step_idle", 0}};
	const struct fn b[] = {{"/opt/svc", "step_lookup", 121000},
			       {"/opt/lib/libfoo.so.1", CXX_NAME, 20000},
			       {"/opt/svc", ODD_NAME, 5000},
			       {"/opt/svc", "step_idle", 0}};

	p[0] = lat_of(a, 4);
	p[1] = lat_of(b, 4);
}

static const struct rule *rule_of(const struct rule_set *s, enum rule_kind k, const char *fn,
				  enum diff_severity sev, const char *budget)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->v[i].kind == k && s->v[i].severity == sev &&
		    (!fn || !strcmp(s->v[i].function, fn)) &&
		    (!budget || (s->v[i].budget && !strcmp(s->v[i].budget, budget))))
			return &s->v[i];
	fail_msg("no rule %d %s", k, fn ? fn : "");
	return NULL;
}

static struct budget_set budgets(const char *const *texts, size_t n)
{
	struct budget_set s = BUDGET_SET_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(budget_add(&s, texts[i]), 0);
	return s;
}

/* The geometric mean of the runs' p90, warning +10 %, critical +50 %, in seconds. */
static void test_lat_regressions(void **state)
{
	struct budget_set none = BUDGET_SET_INIT;
	const struct rules_opts o = {DIFF_P90, 10, 50, RULES_MIN_CALLS_AUTO, &none};
	struct sonde_profile *p[2];
	struct rule_set s;
	const struct rule *w, *c;
	double a, b, base;

	(void)state;
	two_baselines(p);
	assert_int_equal(rules_build(p, 2, &o, &s), 0);
	assert_int_equal(s.kind, PROFILE_LAT);
	assert_int_equal(s.nr, 6); /* three functions called: step_idle makes none */
	/* In name order, the warning before the critical. */
	assert_string_equal(s.v[0].function, CXX_NAME);
	assert_string_equal(s.v[2].function, ODD_NAME);
	assert_string_equal(s.v[4].function, "step_lookup");
	assert_int_equal(s.v[4].severity, DIFF_WARNING);
	assert_int_equal(s.v[5].severity, DIFF_CRITICAL);
	assert_string_equal(s.v[0].object, "libfoo.so.1"); /* the file's name */
	a = diff_lat_run_metric(&p[0]->lat->funcs[0], DIFF_P90);
	b = diff_lat_run_metric(&p[1]->lat->funcs[0], DIFF_P90);
	base = sqrt(a * b) / 1e9;
	w = rule_of(&s, RULE_LAT_REGRESSION, "step_lookup", DIFF_WARNING, NULL);
	c = rule_of(&s, RULE_LAT_REGRESSION, "step_lookup", DIFF_CRITICAL, NULL);
	assert_true(fabs(w->baseline - base) / base < 1e-4);
	assert_true(w->baseline > 1.05e-4 && w->baseline < 1.17e-4);
	assert_true(fabs(w->limit - base * 1.10) / base < 1e-4);
	assert_true(fabs(c->limit - base * 1.50) / base < 1e-4);
	assert_int_equal(w->nr_runs, 2);
	assert_int_equal(w->min_calls, 100); /* ten calls beyond the p90 */
	assert_string_equal(w->stat.name, "p90");
	assert_true(w->stat.q == 0.9);
	assert_null(w->budget);
	rule_set_free(&s);
	sonde_profile_free(p[0]);
	sonde_profile_free(p[1]);
}

static void test_lat_budgets(void **state)
{
	const char *const texts[] = {"step_*:p99<2ms", "libfoo:ns::Cache*:mean<1ms",
				     "step_*:p99<2ms"};
	struct budget_set bs = budgets(texts, 3);
	const struct rules_opts o = {DIFF_P50, 10, 40, RULES_MIN_CALLS_AUTO, &bs};
	struct sonde_profile *p[2];
	struct rule_set s;
	const struct rule *r;

	(void)state;
	two_baselines(p);
	assert_int_equal(rules_build(p, 2, &o, &s), 0);
	/* 3 regressions x 2; step_* on two functions (uncalled too) x 2; the mean x 2; the
	 * repeated budget not again. */
	assert_int_equal(s.nr, 6 + 4 + 2);
	r = rule_of(&s, RULE_LAT_BUDGET, "step_idle", DIFF_WARNING, "step_*:p99<2ms");
	assert_true(r->limit == 0.002);
	assert_true(r->stat.q == 0.99);
	r = rule_of(&s, RULE_LAT_BUDGET, "step_idle", DIFF_CRITICAL, "step_*:p99<2ms");
	assert_true(fabs(r->limit - 0.0028) < 1e-12); /* --critical 40 */
	assert_int_equal(r->min_calls, 1000);
	assert_int_equal(
	    rule_of(&s, RULE_LAT_REGRESSION, "step_lookup", DIFF_WARNING, NULL)->min_calls, 20);
	r = rule_of(&s, RULE_LAT_BUDGET, CXX_NAME, DIFF_WARNING, NULL);
	assert_true(r->stat.q == 0);
	assert_string_equal(r->stat.name, "mean");
	assert_int_equal(r->min_calls, 20);
	assert_string_equal(r->object, "libfoo.so.1");
	rule_set_free(&s);
	budget_set_free(&bs);
	sonde_profile_free(p[0]);
	sonde_profile_free(p[1]);
}

static void test_refuses(void **state)
{
	const char *const typo[] = {"step_lokup:p99<2ms"}, *const max[] = {"step_*:max<2ms"},
			  *const mem[] = {"rss<1GiB"};
	struct budget_set bs = BUDGET_SET_INIT;
	struct rules_opts o = {DIFF_P90, 10, 50, RULES_MIN_CALLS_AUTO, &bs};
	struct sonde_profile *p[2];
	struct rule_set s;

	(void)state;
	two_baselines(p);
	o.critical_pct = 10; /* not above --threshold */
	assert_int_equal(rules_build(p, 2, &o, &s), -SONDE_EXIT_INPUT);
	o.critical_pct = 50;
	bs = budgets(typo, 1);
	assert_int_equal(rules_build(p, 2, &o, &s), -SONDE_EXIT_INPUT);
	budget_set_free(&bs);
	bs = budgets(max, 1);
	assert_int_equal(rules_build(p, 2, &o, &s), -SONDE_EXIT_INPUT);
	budget_set_free(&bs);
	bs = budgets(mem, 1);
	assert_int_equal(rules_build(p, 2, &o, &s), -SONDE_EXIT_INPUT);
	budget_set_free(&bs);
	sonde_profile_free(p[0]);
	sonde_profile_free(p[1]);
	/* Nothing called and no budget: no rule to make. */
	const struct fn idle[] = {{"/opt/svc", "step_idle", 0}};
	p[0] = lat_of(idle, 1);
	assert_int_equal(rules_build(p, 1, &o, &s), -SONDE_EXIT_INPUT);
	sonde_profile_free(p[0]);
}

/* A memory baseline: its heap's growth (not anonymous mappings) over two samples, its peak RSS. */
static struct sonde_profile *mem_of(double heap_growth, __u64 rss_peak)
{
	struct sonde_profile *sp = calloc(1, sizeof(*sp));
	struct mem_profile *p = mem_profile_new(MEM_PROFILE_DEFAULT_SAMPLES);
	struct mem_stack *a, *m;

	sp->kind = PROFILE_MEM;
	sp->meta = calloc(1, sizeof(*sp->meta));
	sp->mem = p;
	p->rss_peak_bytes = rss_peak;
	a = mem_profile_stack(p, 1);
	m = mem_profile_stack(p, 2);
	m->mmap = true;
	mem_profile_sample(p, 0, true);
	mem_profile_sample(p, 1000000000ULL, true);
	a->growth_bytes_per_s = heap_growth;
	m->growth_bytes_per_s = 1 << 20;
	return sp;
}

static void test_mem(void **state)
{
	const char *const texts[] = {"rss<512MiB", "live<100MiB", "growth<1MiB/s"};
	struct budget_set bs = budgets(texts, 3);
	const struct rules_opts o = {DIFF_P90, 10, 50, RULES_MIN_CALLS_AUTO, &bs};
	struct sonde_profile *p[2] = {mem_of(20 << 10, 80 << 20), mem_of(40 << 10, 90 << 20)};
	struct rule_set s;
	const struct rule *r;

	(void)state;
	assert_int_equal(rules_build(p, 2, &o, &s), 0);
	assert_int_equal(s.nr, 2 + 2 + 3 * 2);
	r = rule_of(&s, RULE_GROWTH_REGRESSION, NULL, DIFF_WARNING, NULL);
	assert_true(r->baseline == 30 << 10); /* the mean of the runs' growth */
	assert_true(fabs(r->limit - (30 << 10) * 1.1) < 1e-6);
	assert_null(r->function);
	r = rule_of(&s, RULE_RSS_REGRESSION, NULL, DIFF_CRITICAL, NULL);
	assert_true(r->baseline == 90 << 20); /* the highest peak */
	assert_true(fabs(r->limit - (90 << 20) * 1.5) < 1e-3);
	r = rule_of(&s, RULE_LIVE_BUDGET, NULL, DIFF_WARNING, "live<100MiB");
	assert_true(r->limit == 100 << 20);
	r = rule_of(&s, RULE_GROWTH_BUDGET, NULL, DIFF_CRITICAL, "growth<1MiB/s");
	assert_true(fabs(r->limit - 1.5 * (1 << 20)) < 1e-6);
	rule_set_free(&s);
	budget_set_free(&bs);
	sonde_profile_free(p[0]);
	sonde_profile_free(p[1]);
	/* A flat heap warns from 1.1 KiB/s: diff's floor stands in for a baseline under it. */
	bs = (struct budget_set)BUDGET_SET_INIT;
	p[0] = mem_of(0, 0);
	const struct rules_opts flat = {DIFF_P90, 10, 50, RULES_MIN_CALLS_AUTO, &bs};
	assert_int_equal(rules_build(p, 1, &flat, &s), 0);
	assert_int_equal(s.nr, 2); /* no RSS measured: no RSS rule */
	assert_true(s.v[0].baseline == 0);
	assert_true(fabs(s.v[0].limit - 1126.4) < 1e-6);
	assert_true(fabs(s.v[1].limit - 1536) < 1e-6);
	rule_set_free(&s);
	sonde_profile_free(p[0]);
}

/* The rule file as a string to free. */
static char *yaml_of(const struct rule_set *s, const struct rules_yaml_opts *o, int *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	*err = rules_yaml_write(f, s, o);
	fclose(f);
	return text;
}

static void test_yaml(void **state)
{
	const char *const texts[] = {"odd*:p99<2ms"};
	struct budget_set bs = budgets(texts, 1);
	struct rules_opts o = {DIFF_P99, 10, 50, 0, &bs};
	const char *const files[] = {"base1.sonde", "b2.sonde"};
	struct rules_yaml_opts yo = {.group = "sonde-base1",
				     .window_ns = 300000000000ULL,
				     .for_ns = 600000000000ULL,
				     .files = files,
				     .nr_files = 2};
	struct sonde_profile *p[2];
	struct rule_set s;
	char *y;
	int err;

	(void)state;
	two_baselines(p);
	assert_int_equal(rules_build(p, 2, &o, &s), 0);
	y = yaml_of(&s, &yo, &err);
	assert_int_equal(err, 0);
	assert_non_null(strstr(y,
			       "groups:\n  - name: \"sonde-base1\"\n    rules:\n"
			       "      - alert: SondeLatencyRegression\n        expr: |-\n"
			       "          histogram_quantile(0.99, sum by (le, function, object) "
			       "(rate(sonde_function_duration_seconds_bucket{function=\"ns::Cache<"
			       "int, long>::get(char const*, int) const\",object=\"libfoo.so.1\"}"
			       "[5m]))) > 0.0000"));
	/* PromQL escapes the quote and the backslash; a template's braces are its own. */
	assert_non_null(strstr(y, "{function=\"odd\\\"name\\\\q{{x}}\",object=\"svc\"}[5m]"));
	/* Labels and annotations are templates in YAML strings: "{{" printed by one. */
	assert_non_null(strstr(y, "          function: \"odd\\\"name\\\\q{{ \\\"{{\\\" }}x}}\"\n"));
	assert_non_null(strstr(y, "          severity: critical\n"));
	assert_non_null(strstr(y, "        for: 10m\n"));
	assert_non_null(strstr(y, "{{ $value | humanizeDuration }}"));
	assert_non_null(strstr(y, "geometric mean"));
	assert_non_null(strstr(y, "base1.sonde, b2.sonde"));
	/* The budget: a warning at its limit (>=), its text a label. */
	assert_non_null(strstr(y, "[5m]))) >= 0.002\n"));
	assert_non_null(strstr(y, "          budget: \"odd*:p99<2ms\"\n"));
	free(y);
	/* Native histograms: no le, no _bucket. */
	yo.native = true;
	yo.by = "instance";
	y = yaml_of(&s, &yo, &err);
	assert_int_equal(err, 0);
	assert_null(strstr(y, "_bucket"));
	assert_non_null(strstr(y, "histogram_quantile(0.99, sum by (function, object, instance) "
				  "(rate(sonde_function_duration_seconds{function=\"step_lookup\","
				  "object=\"svc\"}[5m]))) > "));
	free(y);
	rule_set_free(&s);
	/* Calls enough for the quantile in the window, summed as the histogram is. */
	o.min_calls = RULES_MIN_CALLS_AUTO;
	assert_int_equal(rules_build(p, 2, &o, &s), 0);
	yo.native = false;
	y = yaml_of(&s, &yo, &err);
	assert_non_null(
	    strstr(y, "          (histogram_quantile(0.99, sum by (le, function, object, "
		      "instance) (rate(sonde_function_duration_seconds_bucket{function=\"st"
		      "ep_lookup\",object=\"svc\"}[5m]))) > 0.0"));
	assert_non_null(strstr(y, ")\n          and on (function, object, instance) sum by "
				  "(function, object, instance) (increase(sonde_function_duration_"
				  "seconds_count{function=\"step_lookup\",object=\"svc\"}[5m])) >= "
				  "1000\n"));
	free(y);
	yo.window_ns = 1500; /* not whole milliseconds */
	y = yaml_of(&s, &yo, &err);
	assert_int_equal(err, -SONDE_EXIT_INPUT);
	free(y);
	rule_set_free(&s);
	budget_set_free(&bs);
	sonde_profile_free(p[0]);
	sonde_profile_free(p[1]);
}

static void test_yaml_mem_and_mean(void **state)
{
	struct budget_set bs = BUDGET_SET_INIT;
	const struct rules_opts o = {DIFF_MEAN, 10, 50, RULES_MIN_CALLS_AUTO, &bs};
	const char *const files[] = {"m.sonde"};
	struct rules_yaml_opts yo = {.group = "g\"{{",
				     .window_ns = 1800000000000ULL,
				     .for_ns = 60000000000ULL,
				     .files = files,
				     .nr_files = 1};
	const struct fn one[] = {{"/opt/svc", "f", 1000}};
	struct sonde_profile *p = mem_of(20 << 10, 80 << 20);
	struct rule_set s;
	char *y;
	int err;

	(void)state;
	assert_int_equal(rules_build(&p, 1, &o, &s), 0);
	y = yaml_of(&s, &yo, &err);
	assert_int_equal(err, 0);
	assert_non_null(strstr(y, "deriv(sonde_heap_live_bytes[30m]) > 22528\n"));
	assert_non_null(strstr(y, "sonde_rss_bytes > 92274688\n"));
	assert_non_null(strstr(y, "        for: 1m\n"));
	assert_non_null(strstr(y, "  - name: \"g\\\"{{\"\n")); /* a group's name is no template */
	assert_null(strstr(y, "function:"));
	free(y);
	rule_set_free(&s);
	sonde_profile_free(p);
	p = lat_of(one, 1);
	assert_int_equal(rules_build(&p, 1, &o, &s), 0);
	y = yaml_of(&s, &yo, &err);
	assert_non_null(strstr(y, "sum by (function, object) (rate(sonde_function_duration_seconds_"
				  "sum{function=\"f\",object=\"svc\"}[30m])) / sum by (function, "
				  "object) (rate(sonde_function_duration_seconds_count{"));
	free(y);
	yo.native = true;
	y = yaml_of(&s, &yo, &err);
	assert_non_null(strstr(y, "histogram_sum(sum by (function, object) (rate(sonde_function_"
				  "duration_seconds{function=\"f\",object=\"svc\"}[30m]))) / "
				  "histogram_count("));
	free(y);
	rule_set_free(&s);
	sonde_profile_free(p);
}

static void test_names_and_durations(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(rules_group_name("/var/lib/base.sonde.gz", buf, sizeof(buf)),
			    "sonde-base");
	assert_string_equal(rules_group_name("run.v2.json", buf, sizeof(buf)), "sonde-run.v2");
	assert_string_equal(rules_group_name("plain", buf, sizeof(buf)), "sonde-plain");
	assert_int_equal(rules_prom_duration(300000000000ULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "5m");
	assert_int_equal(rules_prom_duration(90000000000ULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "90s");
	assert_int_equal(rules_prom_duration(1500000000ULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1500ms");
	assert_int_equal(rules_prom_duration(7200000000000ULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2h");
	assert_int_equal(rules_prom_duration(86400000000000ULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1d");
	assert_int_equal(rules_prom_duration(1500, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(rules_check_by("instance"), 0);
	assert_int_equal(rules_check_by("instance,job"), 0);
	assert_int_equal(rules_check_by("instance,"), -EINVAL);
	assert_int_equal(rules_check_by("le"), -EINVAL);
	assert_int_equal(rules_check_by("job,function"), -EINVAL);
	assert_int_equal(rules_check_by("9lives"), -EINVAL);
	assert_int_equal(rules_check_by("a b"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lat_regressions),
	    cmocka_unit_test(test_lat_budgets),
	    cmocka_unit_test(test_refuses),
	    cmocka_unit_test(test_mem),
	    cmocka_unit_test(test_yaml),
	    cmocka_unit_test(test_yaml_mem_and_mean),
	    cmocka_unit_test(test_names_and_durations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
