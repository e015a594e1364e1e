// SPDX-License-Identifier: GPL-2.0
/* The HTML report (user/out/html*.c, user/diff/diff_html.c): every name on the
 * page and escaped, the percentiles shown, nothing that would load from the network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/hist.h"
#include "core/util.h"
#include "diff/diff_html.h"
#include "diff/trend_html.h"
#include "out/html.h"
#include "fixture.h"

/* A name from a binary that would be markup if it were not escaped. */
#define EVIL	     "tmpl<int&, \"q\">::run"
#define EVIL_ESCAPED "tmpl&lt;int&amp;, &quot;q&quot;&gt;::run"

static struct run_meta meta = {
    .host = "build<1>",
    .kernel = "6.18.0",
    .start_unix_ns = 1764547200000000000ULL, /* 2025-12-01 00:00:00 UTC */
    .command = "./svc --name 'a&b'",
    .sonde_version = "test",
    .options = "sonde lat -o x.sonde 'step_*' -- ./svc",
};

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

/* Nothing on the page may load: no address but a namespace's name (an inline
 * SVG may declare one: a name, never fetched), no src or href. */
static void assert_offline(const char *page)
{
	assert_int_equal(count(page, "http://"),
			 count(page, "xmlns=\"http://www.w3.org/2000/svg\"") +
			     count(page, "xmlns:xlink=\"http://www.w3.org/1999/xlink\""));
	assert_null(strstr(page, "https://"));
	assert_null(strstr(page, "src="));
	assert_null(strstr(page, "href="));
	assert_null(strstr(page, "url("));
	assert_null(strstr(page, "@import"));
	assert_non_null(strstr(page, "default-src 'none'"));
}

static struct lat_profile *lat_fixture(void)
{
	struct lat_profile *p = lat_profile_new(3);
	struct func_result *f;
	int b;

	assert_non_null(p);
	p->final = true;
	p->sched = true;
	p->main_object = "/usr/bin/svc";
	p->duration_ns = 2000000000ULL;
	f = &p->funcs[0];
	f->object = "/usr/bin/svc";
	f->name = "step_lookup";
	/* 90 calls around 100 us, 10 around 1 ms: p50 and p99 far apart. */
	b = (int)sonde_bucket_of_ns(100000);
	f->hist[b] = 90;
	f->hist[sonde_bucket_of_ns(1000000)] = 10;
	f->calls = 100;
	f->min_ns = 99000;
	f->max_ns = 1010000;
	f->total_ns = 90 * 100000ULL + 10 * 1000000ULL;
	f->self_ns = f->total_ns;
	f->oncpu_ns = f->total_ns / 2;
	f->runq_ns = f->total_ns / 4;
	f->blocked_ns = f->total_ns / 4;
	f->offcpu_hist[sonde_bucket_of_ns(50000)] = 100;
	f = &p->funcs[1];
	f->object = "/usr/bin/svc";
	f->name = EVIL;
	f->calls = 3;
	f->hist[sonde_bucket_of_ns(5000)] = 3;
	f->min_ns = f->max_ns = 5000;
	f->total_ns = f->self_ns = f->oncpu_ns = 15000;
	f = &p->funcs[2];
	f->object = "/usr/lib/x86_64-linux-gnu/libssl.so.3";
	f->name = "SSL_read";
	return p;
}

static char *page_of(const struct sonde_profile *sp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(html_write_profile(f, sp), 0);
	fclose(f);
	return buf;
}

static void test_lat_page(void **state)
{
	struct lat_profile *p = lat_fixture();
	struct sonde_profile sp = {.kind = PROFILE_LAT, .meta = &meta, .lat = p};
	const struct func_result *f = &p->funcs[0];
	static const double qs[] = {0.50, 0.90, 0.99};
	char *page = page_of(&sp), want[64], v[32];
	size_t i;

	(void)state;
	assert_int_equal(strncmp(page, "<!DOCTYPE html>", 15), 0);
	assert_non_null(strstr(page, "</html>\n"));
	assert_offline(page);
	/* Every function, the library one with its object; the evil name only escaped. */
	assert_non_null(strstr(page, ">step_lookup</td>"));
	assert_non_null(strstr(page, ">libssl.so.3:SSL_read</td>"));
	assert_non_null(strstr(page, EVIL_ESCAPED));
	assert_null(strstr(page, "tmpl<int"));
	/* The header: the run's own strings, escaped too. */
	assert_non_null(strstr(page, "<dd>build&lt;1&gt;</dd>"));
	assert_non_null(strstr(page, "<dd>./svc --name &#39;a&amp;b&#39;</dd>"));
	assert_non_null(strstr(page, "<dd>2025-12-01 00:00:00 UTC</dd>"));
	/* The table's percentiles as the terminal prints them, and each marked on the chart. */
	for (i = 0; i < 3; i++) {
		fmt_ns(v, sizeof(v), hist_quantile(f->hist, f->min_ns, f->max_ns, qs[i]));
		snprintf(want, sizeof(want), ">%s</td>", v);
		assert_non_null(strstr(page, want));
		snprintf(want, sizeof(want), ">p%s %s</text>",
			 i == 0	  ? "50"
			 : i == 1 ? "90"
				  : "99",
			 v);
		assert_non_null(strstr(page, want));
	}
	/* Two functions were called: two wall-time charts, one off-CPU chart (step_lookup). */
	assert_int_equal(count(page, "<svg class=\"hist\""), 3);
	/* The split: 50 % on CPU, 25 % run queue, 25 % blocked, for step_lookup. */
	assert_non_null(strstr(page, "class=\"oncpu\" style=\"width:50.00%\""));
	assert_non_null(strstr(page, "class=\"blocked\" style=\"width:25.00%\""));
	/* Numbers sort by their value, not their text. */
	assert_non_null(strstr(page, "<td class=\"n\" data-v=\"100\">100</td>"));
	assert_non_null(strstr(page, "<section id=\"flame\">"));
	free(page);
	lat_profile_free(p);
}

#define S 1000000000ULL

static void test_mem_page(void **state)
{
	const char *leak[] = {"leak<T>+0x1c", "run+0x40", "main+0x10", "__libc_start_main+0x80"};
	const char *once[] = {"init_once+0x8"};
	struct mem_profile *p = mem_profile_new(64);
	struct sonde_profile sp = {.kind = PROFILE_MEM, .meta = &meta, .mem = p};
	struct mem_stack *s;
	char *page;
	int i;

	(void)state;
	p->final = true;
	p->duration_ns = 6 * S;
	mem_profile_sample(p, 0, true);
	s = mem_profile_stack(p, 1);
	assert_int_equal(mem_stack_set_frames(s, leak, 4), 0);
	s = mem_profile_stack(p, 2);
	assert_int_equal(mem_stack_set_frames(s, once, 1), 0);
	for (i = 1; i <= 6; i++) {
		s = mem_profile_stack(p, 1);
		s->allocs = s->live_allocs = i;
		s->live_bytes = 1000 * i;
		s = mem_profile_stack(p, 2);
		s->allocs = s->live_allocs = 1;
		s->live_bytes = 5000;
		mem_profile_sample(p, i * S, i == 6);
	}
	mem_profile_update_growth(p);
	page = page_of(&sp);
	assert_offline(page);
	/* Each stack by its functions, innermost first, escaped; the whole stack listed. */
	assert_non_null(strstr(page, "leak&lt;T&gt; &lt; run &lt; main &lt; ..."));
	assert_non_null(strstr(page, "<li>__libc_start_main+0x80</li>"));
	assert_non_null(strstr(page, ">init_once</td>"));
	assert_null(strstr(page, "leak<T>"));
	/* The steady one is the suspect, at +1000 B/s; one chart per stack. */
	assert_non_null(strstr(page, "leak suspect"));
	assert_non_null(strstr(page, ">+1000B/s</td>"));
	assert_int_equal(count(page, "<svg class=\"series\""), 2);
	assert_int_equal(count(page, "<polyline class=\"line\""), 2);
	free(page);
	mem_profile_free(p);
}

static void test_diff_page(void **state)
{
	struct diff_row rows[2] = {0};
	struct diff_report r = {.kind = PROFILE_LAT,
				.metric = DIFF_P90,
				.rows = rows,
				.nr_rows = 2,
				.regressions = 1,
				.nr_base_runs = 1,
				.nr_new_runs = 1};
	const struct diff_html_page pg = {.report = &r, .base = &meta, .new = &meta};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		rows[i].object = "/usr/bin/svc";
		rows[i].key = "";
		rows[i].base.calls = rows[i].new.calls = 10;
		rows[i].base.hist[sonde_bucket_of_ns(100000)] = 10;
		rows[i].new.hist[sonde_bucket_of_ns(i ? 100000 : 200000)] = 10;
		rows[i].base.value[DIFF_P90] = 100000;
		rows[i].new.value[DIFF_P90] = i ? 100000 : 200000;
		rows[i].change_pct[DIFF_P90] = i ? 0 : 100;
	}
	rows[0].name = "step_lookup";
	rows[0].verdict = DIFF_REGRESSION;
	rows[0].severity = DIFF_CRITICAL;
	rows[1].name = EVIL;
	rows[1].verdict = DIFF_UNCHANGED;
	assert_non_null(f);
	assert_int_equal(diff_html_write(f, &pg), 0);
	fclose(f);
	assert_offline(buf);
	assert_non_null(
	    strstr(buf, "<tr class=\"critical\"><td data-v=\"0\">regression (critical)"));
	assert_non_null(strstr(buf, ">step_lookup</td>"));
	assert_non_null(strstr(buf, EVIL_ESCAPED));
	assert_null(strstr(buf, "tmpl<int"));
	assert_non_null(strstr(buf, ">+100.0%</td>"));
	assert_non_null(strstr(buf, "<h3>base (1 run)</h3>"));
	/* Base and new of each function, side by side. */
	assert_int_equal(count(buf, "<svg class=\"hist\""), 4);
	assert_int_equal(count(buf, "<rect class=\"bar base\""), 2);
	free(buf);
}

static void test_trend_page(void **state)
{
	double values[2][4] = {{100000, 101000, 200000, 201000}, {5000, NAN, 5000, 5100}};
	struct changepoint cp = {
	    .index = 2, .before = 100500, .after = 200500, .change_pct = 99.5, .p_value = 1e-6};
	const char *files[] = {"a.sonde", "b<2>.sonde", "c.sonde", "d.sonde"};
	struct trend_row rows[2] = {
	    {.key = "",
	     .name = "step_lookup",
	     .values = values[0],
	     .first = 100000,
	     .last = 201000,
	     .change_pct = 101,
	     .points = &cp,
	     .nr_points = 1,
	     .outlier = CP_NO_OUTLIER},
	    {.key = "libx.so",
	     .name = EVIL,
	     .values = values[1],
	     .first = 5000,
	     .last = 5100,
	     .change_pct = 2,
	     .outlier = CP_NO_OUTLIER},
	};
	struct trend_report r = {.kind = PROFILE_LAT,
				 .metric = DIFF_P90,
				 .threshold_pct = 10,
				 .alpha = 0.01,
				 .nr_profiles = 4,
				 .files = files,
				 .rows = rows,
				 .nr_rows = 2,
				 .changed = 1};
	const struct trend_html_page pg = {.report = &r, .first = &meta, .last = &meta};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(trend_html_write(f, &pg), 0);
	fclose(f);
	assert_offline(buf);
	assert_non_null(
	    strstr(buf, "<tr class=\"regression\"><td class=\"name\">step_lookup</td>"));
	assert_non_null(strstr(buf, ">libx.so:" EVIL_ESCAPED "</td>"));
	assert_null(strstr(buf, "tmpl<int"));
	assert_non_null(strstr(buf, "<td>#2 +99.5% (p 1e-06)</td>"));
	assert_non_null(strstr(buf, "<li>b&lt;2&gt;.sonde</li>"));
	/* A chart a row, a dot a value present (7 of 8), one change point marked. */
	assert_int_equal(count(buf, "<svg class=\"series\""), 2);
	assert_int_equal(count(buf, "<circle class=\"dot\""), 7);
	assert_int_equal(count(buf, "<line class=\"pct p99\" x1="), 1);
	/* The gap splits the second series' line in two. */
	assert_int_equal(count(buf, "<polyline class=\"line\""), 3);
	free(buf);
}

/* Written through out_file (temp file, rename), as -o is. */
static void test_file_commit(void **state)
{
	struct lat_profile *p = lat_fixture();
	struct sonde_profile sp = {.kind = PROFILE_LAT, .meta = &meta, .lat = p};
	char dir[256], path[300], why[128], *text;
	struct out_file *out;
	size_t len;

	(void)state;
	assert_int_equal(fx_mkdtemp(dir, sizeof(dir)), 0);
	fx_path(path, sizeof(path), dir, "r.html");
	assert_int_equal(out_file_open(path, &out), 0);
	assert_int_equal(html_file_commit(out, html_write_profile_ctx, &sp), 0);
	out_file_close(out);
	assert_int_equal(read_whole_file(path, 1 << 24, &text, &len, why, sizeof(why)), 0);
	assert_int_equal(strncmp(text, "<!DOCTYPE html>", 15), 0);
	assert_non_null(strstr(text, ">step_lookup</td>"));
	free(text);
	fx_rmtree(dir);
	lat_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lat_page),	cmocka_unit_test(test_mem_page),
	    cmocka_unit_test(test_diff_page),	cmocka_unit_test(test_trend_page),
	    cmocka_unit_test(test_file_commit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
