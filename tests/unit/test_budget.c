// SPDX-License-Identifier: GPL-2.0
/* Budgets (user/diff/budget.c): parsing, verdicts at their boundaries, output. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/util.h"
#include "diff/budget.h"
#include "diff/diff.h"
#include "diff/diff_term.h"
#include "out/format.h"
#include "sonde/hist.h"

static struct budget_set parse(const char *const *texts, size_t n)
{
	struct budget_set s = BUDGET_SET_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		if (budget_add(&s, texts[i]))
			fail_msg("budget '%s' refused", texts[i]);
	return s;
}

static void test_parse(void **state)
{
	const char *const texts[] = {
	    "handle_*:p99<2ms",
	    "db_query:mean<500us",
	    "ns::Cache::get*:p999<1.5ms",
	    "libc:malloc:max<10us",
	    "w:p50<100ns",
	    "w:p90<1s",
	    "rss<512MiB",
	    "live<100MiB",
	    "growth<1MiB/s",
	    "rss<1G",
	    "live<64KB",
	    "growth<0.5KiB/s",
	};
	struct budget_set s = parse(texts, sizeof(texts) / sizeof(texts[0]));

	(void)state;
	assert_int_equal(s.nr, 12);
	assert_string_equal(s.v[0].text, "handle_*:p99<2ms");
	assert_string_equal(s.v[0].funcs.glob, "handle_*");
	assert_null(s.v[0].funcs.object);
	assert_int_equal(s.v[0].metric, BUDGET_P99);
	assert_true(s.v[0].limit == 2e6);
	assert_int_equal(s.v[1].metric, BUDGET_MEAN);
	assert_true(s.v[1].limit == 5e5);
	/* C++ "::" is part of the name; the metric follows the last single ':'. */
	assert_string_equal(s.v[2].funcs.glob, "ns::Cache::get*");
	assert_int_equal(s.v[2].metric, BUDGET_P999);
	assert_true(s.v[2].limit == 1.5e6);
	assert_string_equal(s.v[3].funcs.object, "libc");
	assert_string_equal(s.v[3].funcs.glob, "malloc");
	assert_int_equal(s.v[3].metric, BUDGET_MAX);
	assert_true(s.v[4].limit == 100);
	assert_true(s.v[5].limit == 1e9);
	assert_null(s.v[6].funcs.glob);
	assert_int_equal(s.v[6].metric, BUDGET_RSS);
	assert_true(s.v[6].limit == 512.0 * 1024 * 1024);
	assert_int_equal(s.v[7].metric, BUDGET_LIVE);
	assert_int_equal(s.v[8].metric, BUDGET_GROWTH);
	assert_true(s.v[8].limit == 1024.0 * 1024);
	/* k, M, G and KB, MB, GB are powers of 1024, as --big reads them. */
	assert_true(s.v[9].limit == 1024.0 * 1024 * 1024);
	assert_true(s.v[10].limit == 64 * 1024);
	assert_true(s.v[11].limit == 512);
	budget_set_free(&s);
}

static void test_parse_refuses(void **state)
{
	static const char *const bad[] = {
	    "handle_*:p99>2ms",	 /* a budget is an upper limit */
	    "handle_*:p99<=2ms", /* '<' only */
	    "handle_*",		 /* no metric, no limit */
	    "p99<2ms",		 /* a latency budget names its functions */
	    "handle_*:p95<2ms",	 /* unknown metric */
	    "handle_*:P99<2ms",	 /* metrics are lower case */
	    "handle_*:p99<2",	 /* a bare number: seconds? refused */
	    "handle_*:p99<2kg",	 /* bad unit */
	    "handle_*:p99<-2ms", /* negative */
	    "handle_*:p99<nan",
	    "handle_*:p99<infms",
	    "handle_*:p99<0ms",
	    "handle_*:p99<",
	    ":p99<2ms",		 /* no function */
	    "libc::p99<2ms",	 /* "::" is a name's: no metric after a single ':' */
	    "handle_*:rss<1MiB", /* rss is the whole run's */
	    "rss<512MiB/s",
	    "growth<1MiB", /* growth is per second */
	    "growth<1MiB/min",
	    "rss<-1MiB",
	    "live<0",
	    "rss<1e400",
	    "rss<512MiB<1GiB",
	    "",
	    "<2ms",
	};
	struct budget_set s = BUDGET_SET_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (budget_add(&s, bad[i]) != -SONDE_EXIT_INPUT)
			fail_msg("budget '%s' accepted", bad[i]);
	assert_int_equal(s.nr, 0);
	budget_set_free(&s);
}

/* A function whose every call took ns: its quantiles, mean and max are ns. */
static void set_func(struct func_result *f, const char *object, const char *name, __u64 ns,
		     __u64 calls)
{
	memset(f, 0, sizeof(*f));
	f->object = object;
	f->name = name;
	f->calls = calls;
	if (!calls)
		return;
	f->hist[sonde_bucket_of_ns(ns)] = calls;
	f->min_ns = f->max_ns = ns;
	f->total_ns = ns * calls;
}

static struct lat_profile *profile(void)
{
	struct lat_profile *p = lat_profile_new(4);

	p->main_object = "/srv/svc";
	set_func(&p->funcs[0], "/srv/svc", "handle_req", 3000, 100);
	set_func(&p->funcs[1], "/srv/svc", "handle_ping", 1000, 100);
	set_func(&p->funcs[2], "/srv/svc", "handle_err", 0, 0);
	set_func(&p->funcs[3], "/usr/lib/x86_64-linux-gnu/libc.so.6", "malloc", 50, 1000);
	return p;
}

static const struct budget_result *result_for(const struct budget_eval *e, const char *text,
					      const char *target)
{
	size_t i;

	for (i = 0; i < e->nr; i++)
		if (!strcmp(e->v[i].budget->text, text) &&
		    (!target || (e->v[i].target && !strcmp(e->v[i].target, target))))
			return &e->v[i];
	fail_msg("no result for '%s' on %s", text, target ? target : "the run");
	return NULL;
}

/* Budgets judged on profile(), for a test to look at and free. */
struct judged {
	struct budget_set s;
	struct lat_profile *p;
	struct budget_eval e;
};

/* ... with nr results, breaches of them breached. */
static void judge(struct judged *j, const char *const *texts, size_t n, size_t nr, size_t breaches)
{
	j->s = parse(texts, n);
	j->p = profile();
	assert_int_equal(budget_eval_lat(&j->s, j->p, &j->e), 0);
	assert_int_equal(j->e.nr, nr);
	assert_int_equal(j->e.breaches, breaches);
}
#define JUDGE(j, texts, nr, breaches)                                                              \
	judge(&(j), texts, sizeof(texts) / sizeof(texts[0]), nr, breaches)

/*
 * handle_req takes 3000 ns: a limit above it holds; one at it or below is a
 * warning up to 50 % over (3000 against 2000 is exactly +50 %), critical beyond.
 */
static void test_lat_boundaries(void **state)
{
	const char *const texts[] = {
	    "handle_req:p99<3001ns", "handle_req:p99<3000ns", "handle_req:p99<2001ns",
	    "handle_req:p99<2000ns", "handle_req:p99<1999ns", "handle_req:mean<2.5us",
	    "handle_req:max<3.1us",  "handle_req:p50<4us",
	};
	const struct budget_result *r;
	struct judged j;

	(void)state;
	JUDGE(j, texts, 8, 5);
	r = result_for(&j.e, "handle_req:p99<3001ns", NULL);
	assert_int_equal(r->verdict, BUDGET_OK);
	assert_int_equal(r->severity, DIFF_NONE);
	assert_true(r->value == 3000);
	r = result_for(&j.e, "handle_req:p99<3000ns", NULL); /* '<': at the limit breaks it */
	assert_int_equal(r->verdict, BUDGET_BREACH);
	assert_int_equal(r->severity, DIFF_WARNING);
	assert_true(r->over_pct == 0);
	r = result_for(&j.e, "handle_req:p99<2001ns", NULL);
	assert_int_equal(r->severity, DIFF_WARNING);
	r = result_for(&j.e, "handle_req:p99<2000ns", NULL);
	assert_int_equal(r->severity, DIFF_WARNING);
	assert_true(fabs(r->over_pct - 50) < 1e-9);
	r = result_for(&j.e, "handle_req:p99<1999ns", NULL);
	assert_int_equal(r->severity, DIFF_CRITICAL);
	r = result_for(&j.e, "handle_req:mean<2.5us", NULL);
	assert_int_equal(r->verdict, BUDGET_BREACH);
	assert_true(fabs(r->over_pct - 20) < 1e-9);
	r = result_for(&j.e, "handle_req:max<3.1us", NULL);
	assert_int_equal(r->verdict, BUDGET_OK);
	r = result_for(&j.e, "handle_req:p50<4us", NULL);
	assert_int_equal(r->verdict, BUDGET_OK);
	assert_true(fabs(r->over_pct + 25) < 1e-9);
	/* Breaches first, the critical one before the warnings, the largest first. */
	assert_string_equal(j.e.v[0].budget->text, "handle_req:p99<1999ns");
	assert_string_equal(j.e.v[1].budget->text, "handle_req:p99<2000ns");
	assert_string_equal(j.e.v[2].budget->text, "handle_req:p99<2001ns");
	assert_string_equal(j.e.v[3].budget->text, "handle_req:mean<2.5us");
	assert_string_equal(j.e.v[4].budget->text, "handle_req:p99<3000ns");
	assert_int_equal(j.e.v[5].verdict, BUDGET_OK);
	budget_eval_free(&j.e);

	/* --critical 10: +20 % is critical now. */
	j.s.critical_pct = 10;
	assert_int_equal(budget_eval_lat(&j.s, j.p, &j.e), 0);
	assert_int_equal(result_for(&j.e, "handle_req:mean<2.5us", NULL)->severity, DIFF_CRITICAL);
	assert_int_equal(result_for(&j.e, "handle_req:p99<2001ns", NULL)->severity, DIFF_CRITICAL);
	assert_int_equal(result_for(&j.e, "handle_req:p99<3000ns", NULL)->severity, DIFF_WARNING);
	budget_eval_free(&j.e);
	lat_profile_free(j.p);
	budget_set_free(&j.s);
}

/* A glob budgets each function it matches; one traced but not called has no data. */
static void test_lat_globs_and_objects(void **state)
{
	const char *const texts[] = {"handle_*:p99<2us", "libc:malloc:p99<100ns",
				     "libc.so.6:mal*:p99<10ns", "/srv/svc:handle_ping:p99<2us"};
	const struct budget_result *r;
	struct judged j;

	(void)state;
	JUDGE(j, texts, 6, 2);
	r = result_for(&j.e, "handle_*:p99<2us", "handle_req");
	assert_int_equal(r->verdict, BUDGET_BREACH);
	assert_string_equal(r->object, "/srv/svc");
	assert_int_equal(result_for(&j.e, "handle_*:p99<2us", "handle_ping")->verdict, BUDGET_OK);
	r = result_for(&j.e, "handle_*:p99<2us", "handle_err");
	assert_int_equal(r->verdict, BUDGET_NO_DATA);
	assert_true(isnan(r->value));
	assert_int_equal(result_for(&j.e, "libc:malloc:p99<100ns", "malloc")->verdict, BUDGET_OK);
	assert_int_equal(result_for(&j.e, "libc.so.6:mal*:p99<10ns", "malloc")->verdict,
			 BUDGET_BREACH);
	assert_int_equal(result_for(&j.e, "/srv/svc:handle_ping:p99<2us", "handle_ping")->verdict,
			 BUDGET_OK);
	/* No data comes last. */
	assert_int_equal(j.e.v[j.e.nr - 1].verdict, BUDGET_NO_DATA);
	budget_eval_free(&j.e);
	budget_set_free(&j.s);

	/* A typo, or an object it does not live in, passes no gate: exit 2. */
	const char *const typo[] = {"hadle_req:p99<2us"};
	j.s = parse(typo, 1);
	assert_int_equal(budget_eval_lat(&j.s, j.p, &j.e), -SONDE_EXIT_INPUT);
	assert_null(j.e.v);
	budget_set_free(&j.s);
	const char *const elsewhere[] = {"libc:handle_req:p99<2us"};
	j.s = parse(elsewhere, 1);
	assert_int_equal(budget_eval_lat(&j.s, j.p, &j.e), -SONDE_EXIT_INPUT);
	budget_set_free(&j.s);
	lat_profile_free(j.p);
}

static void test_check_probes_and_kind(void **state)
{
	struct probe_site sites[] = {
	    {.object = "/srv/svc", .name = "handle_req"},
	    {.object = "/srv/svc",
	     .name = "shop::Cache::get(int)",
	     .mangled = "_ZN4shop5Cache3getEi"},
	};
	struct probe_set set = {.sites = sites, .nr = 2};
	const char *const good[] = {"handle_*:p99<2ms", "shop::Cache::get:p99<1ms",
				    "_ZN4shop*:mean<1ms"};
	const char *const typo[] = {"handle_req:p99<2ms", "hadle_req:p99<2ms"};
	const char *const mem[] = {"rss<1GiB"};
	struct budget_set s = parse(good, 3);

	(void)state;
	assert_int_equal(budget_check_probes(&s, &set), 0);
	assert_int_equal(budget_check_kind(&s, PROFILE_LAT, "sonde lat"), 0);
	assert_int_equal(budget_check_kind(&s, PROFILE_MEM, "sonde mem"), -SONDE_EXIT_INPUT);
	budget_set_free(&s);
	s = parse(typo, 2);
	assert_int_equal(budget_check_probes(&s, &set), -SONDE_EXIT_INPUT);
	budget_set_free(&s);
	s = parse(mem, 1);
	assert_int_equal(budget_check_probes(&s, &set), 0); /* memory budgets name no function */
	assert_int_equal(budget_check_kind(&s, PROFILE_LAT, "sonde lat"), -SONDE_EXIT_INPUT);
	assert_int_equal(budget_check_kind(&s, PROFILE_MEM, "sonde mem"), 0);
	budget_set_free(&s);
}

static void test_mem(void **state)
{
	const char *const texts[] = {"rss<64MiB", "live<1MiB", "growth<1KiB/s", "growth<100KiB/s"};
	struct budget_set s = parse(texts, 4);
	struct mem_profile *p = mem_profile_new(MEM_PROFILE_DEFAULT_SAMPLES);
	struct mem_stack *a, *b, *m;
	const struct budget_result *r;
	struct budget_eval e;

	(void)state;
	p->rss_bytes = 40 << 20;
	p->rss_peak_bytes = 80 << 20;
	a = mem_profile_stack(p, 1);
	b = mem_profile_stack(p, 2);
	m = mem_profile_stack(p, 3);
	a->live_bytes = 1 << 20;
	b->live_bytes = 512 << 10;
	m->mmap = true; /* anonymous mappings are not the heap */
	m->live_bytes = 100 << 20;
	mem_profile_sample(p, 0, true);
	mem_profile_sample(p, 1000000000ULL, true);
	a->growth_bytes_per_s = 30 << 10;
	b->growth_bytes_per_s = 20 << 10;
	m->growth_bytes_per_s = 1 << 20;
	assert_int_equal(budget_eval_mem(&s, p, &e), 0);
	assert_int_equal(e.nr, 4);
	assert_int_equal(e.breaches, 3);
	r = result_for(&e, "rss<64MiB", NULL); /* the peak, not the last reading */
	assert_true(r->value == 80 << 20);
	assert_int_equal(r->severity, DIFF_WARNING);
	assert_null(r->target);
	r = result_for(&e, "live<1MiB", NULL);
	assert_true(r->value == (1 << 20) + (512 << 10));
	assert_int_equal(r->severity, DIFF_WARNING);
	r = result_for(&e, "growth<1KiB/s", NULL);
	assert_true(r->value == 50 << 10);
	assert_int_equal(r->severity, DIFF_CRITICAL);
	assert_int_equal(result_for(&e, "growth<100KiB/s", NULL)->verdict, BUDGET_OK);
	budget_eval_free(&e);
	/* A latency budget on a memory profile is refused. */
	const char *const lat[] = {"handle_*:p99<2ms"};
	budget_set_free(&s);
	s = parse(lat, 1);
	assert_int_equal(budget_eval_mem(&s, p, &e), -SONDE_EXIT_INPUT);
	budget_set_free(&s);
	mem_profile_free(p);
}

/* What a diff renderer prints, as a string to free. */
static char *render(format_diff_fn fn, const struct diff_report *r, const struct report_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(f, r, o), 0);
	fclose(f);
	return buf;
}

/* sonde ab: the budgets hold for the new side of the diff, its runs pooled. */
static void test_diff_new_side(void **state)
{
	struct sonde_profile base = {.kind = PROFILE_LAT}, now = {.kind = PROFILE_LAT};
	struct sonde_profile *bp = &base, *np = &now;
	struct run_meta meta = {0};
	struct diff_runs runs = {.base = &bp, .nr_base = 1, .new = &np, .nr_new = 1};
	const struct diff_opts o = {DIFF_P90, 10, 0.01, 50};
	const char *const texts[] = {"handle_req:p99<2us", "handle_ping:mean<2us"};
	struct budget_set s = parse(texts, 2);
	struct diff_report *r = NULL;
	struct report_opts ro = {0};
	struct budget_eval e;
	json_t *root;
	char *text;

	(void)state;
	base.meta = now.meta = &meta;
	base.lat = lat_profile_new(2);
	now.lat = lat_profile_new(2);
	base.lat->main_object = now.lat->main_object = "/srv/svc";
	base.lat->duration_ns = now.lat->duration_ns = 1000000000ULL;
	set_func(&base.lat->funcs[0], "/srv/svc", "handle_req", 1000, 100);
	set_func(&base.lat->funcs[1], "/srv/svc", "handle_ping", 3000, 100);
	set_func(&now.lat->funcs[0], "/srv/svc", "handle_req", 3000, 100);
	set_func(&now.lat->funcs[1], "/srv/svc", "handle_ping", 1000, 100);
	assert_int_equal(diff_compute(&runs, &o, &r), 0);
	assert_int_equal(budget_eval_diff(&s, r, &e), 0);
	assert_int_equal(e.nr, 2);
	assert_int_equal(e.breaches, 1);
	assert_string_equal(e.v[0].target, "handle_req");
	assert_true(e.v[0].value == 3000);
	assert_int_equal(e.v[0].severity, DIFF_WARNING);
	assert_int_equal(e.v[1].verdict, BUDGET_OK);
	assert_true(e.v[1].value == 1000);
	/* The diff's renderers show them: before the table, and in the JSON object. */
	ro.budgets = &e;
	text = render(report_lat_diff_term, r, &ro);
	assert_true(!strncmp(text, "budget breached (warning) handle_req p99 3.00us > 2.00us", 56));
	free(text);
	text = render(report_diff_json, r, &ro);
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	assert_int_equal(json_array_size(json_object_get(root, "budgets")), 2);
	json_decref(root);
	free(text);
	budget_eval_free(&e);
	diff_report_free(r);
	lat_profile_free(base.lat);
	lat_profile_free(now.lat);
	budget_set_free(&s);
}

static char *render_term(const struct budget_eval *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	budget_print_term(f, e, false);
	fclose(f);
	return buf;
}

static void test_output(void **state)
{
	const char *const texts[] = {"handle_*:p99<2us", "handle_req:mean<2.5us"};
	struct budget_set s = parse(texts, 2);
	struct lat_profile *p = profile();
	struct budget_eval e;
	json_t *arr, *o;
	char *text;

	(void)state;
	assert_int_equal(budget_eval_lat(&s, p, &e), 0);
	text = render_term(&e);
	assert_string_equal(text,
			    "budget breached (warning) handle_req p99 3.00us > 2.00us (+50 %)\n"
			    "budget breached (warning) handle_req mean 3.00us > 2.50us (+20 %)\n"
			    "budget ok handle_ping p99 1.00us < 2.00us (-50 %)\n"
			    "budget no data handle_err p99 < 2.00us: not called\n"
			    "\n");
	free(text);
	arr = budget_json(&e);
	assert_int_equal(json_array_size(arr), 4);
	o = json_array_get(arr, 0);
	assert_string_equal(json_string_value(json_object_get(o, "budget")), "handle_*:p99<2us");
	assert_string_equal(json_string_value(json_object_get(o, "target")), "handle_req");
	assert_string_equal(json_string_value(json_object_get(o, "object")), "/srv/svc");
	assert_string_equal(json_string_value(json_object_get(o, "metric")), "p99");
	assert_string_equal(json_string_value(json_object_get(o, "unit")), "ns");
	assert_int_equal(json_integer_value(json_object_get(o, "limit")), 2000);
	assert_int_equal(json_integer_value(json_object_get(o, "value")), 3000);
	assert_true(fabs(json_real_value(json_object_get(o, "over_pct")) - 50) < 1e-9);
	assert_string_equal(json_string_value(json_object_get(o, "verdict")), "breach");
	assert_string_equal(json_string_value(json_object_get(o, "severity")), "warning");
	o = json_array_get(arr, 3);
	assert_string_equal(json_string_value(json_object_get(o, "verdict")), "no_data");
	assert_true(json_is_null(json_object_get(o, "value")));
	assert_true(json_is_null(json_object_get(o, "over_pct")));
	assert_string_equal(json_string_value(json_object_get(o, "severity")), "none");
	json_decref(arr);
	budget_eval_free(&e);
	budget_set_free(&s);
	lat_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_parse_refuses),
	    cmocka_unit_test(test_lat_boundaries),
	    cmocka_unit_test(test_lat_globs_and_objects),
	    cmocka_unit_test(test_check_probes_and_kind),
	    cmocka_unit_test(test_mem),
	    cmocka_unit_test(test_diff_new_side),
	    cmocka_unit_test(test_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
