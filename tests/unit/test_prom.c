// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus exposition (user/out/prom_*.c): the text format's lines and
 * escaping, le boundaries at sonde's bucket edges, lat's series (functions of
 * one name summed; split by process with --prometheus-pid), mem's stack
 * labels and the "other" series.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lat/lat_profile.h"
#include "mem/mem_profile.h"
#include "out/prom.h"
#include "out/prom_buckets.h"
#include "out/prom_lat.h"
#include "out/prom_mem.h"
#include "sonde/hist.h"

static char *finish(struct prom_writer *w)
{
	char *buf;
	size_t len;

	assert_int_equal(w->ops->finish(w, &buf, &len), 0);
	assert_int_equal(strlen(buf), len);
	return buf;
}

static void test_text_lines_and_escaping(void **state)
{
	struct prom_writer *w = prom_text_writer_new();
	struct prom_label l[] = {{"function", "say \"hi\"\\\nnow"}, {"object", "x"}};
	char *out;

	(void)state;
	prom_family(w, "sonde_x_total", PROM_COUNTER, "a \\ help\nline");
	prom_sample(w, l, 2, 12345678901234.0);
	prom_sample(w, NULL, 0, 0.000001024);
	out = finish(w);
	assert_string_equal(out,
			    "# HELP sonde_x_total a \\\\ help\\nline\n"
			    "# TYPE sonde_x_total counter\n"
			    "sonde_x_total{function=\"say \\\"hi\\\"\\\\\\nnow\",object=\"x\"} "
			    "12345678901234\n"
			    "sonde_x_total 1.024e-06\n");
	free(out);
}

static void test_seconds_exact(void **state)
{
	char buf[32];

	(void)state;
	prom_format_seconds(buf, sizeof(buf), 1024);
	assert_string_equal(buf, "0.000001024");
	prom_format_seconds(buf, sizeof(buf), 2000000000ULL);
	assert_string_equal(buf, "2.0");
	prom_format_seconds(buf, sizeof(buf), 1);
	assert_string_equal(buf, "0.000000001");
}

static void test_text_histogram_cumulative(void **state)
{
	static __u64 hist[SONDE_HIST_BUCKETS];
	struct prom_writer *w = prom_text_writer_new();
	__u32 b100 = sonde_bucket_of_ns(100), b1000 = sonde_bucket_of_ns(1000);
	__u32 edges[] = {b100 + 1, b1000};
	struct prom_hist h = {
	    .buckets = hist, .count = 10, .sum = 0.0000064, .edges = edges, .nr_edges = 2};
	char *out, expect[512], le1[32], le2[32];

	(void)state;
	hist[b100] = 4;	 /* below the first edge */
	hist[b1000] = 6; /* at the second edge: not below it */
	prom_family(w, "d_seconds", PROM_HISTOGRAM, "h");
	prom_histogram(w, NULL, 0, &h);
	out = finish(w);
	prom_format_seconds(le1, sizeof(le1), sonde_bucket_lower_ns(b100 + 1));
	prom_format_seconds(le2, sizeof(le2), sonde_bucket_lower_ns(b1000));
	snprintf(expect, sizeof(expect),
		 "# HELP d_seconds h\n# TYPE d_seconds histogram\n"
		 "d_seconds_bucket{le=\"%s\"} 4\nd_seconds_bucket{le=\"%s\"} 4\n"
		 "d_seconds_bucket{le=\"+Inf\"} 10\nd_seconds_sum 6.4e-06\nd_seconds_count 10\n",
		 le1, le2);
	assert_string_equal(out, expect);
	free(out);
	memset(hist, 0, sizeof(hist));
}

static void test_buckets_per_octave(void **state)
{
	struct prom_buckets b;
	size_t i;

	(void)state;
	/* The default: 4 per octave from 128 ns to 2^34 ns, before any call. */
	assert_int_equal(prom_buckets_init(&b), 0);
	assert_int_equal(b.nr_edges, 1 + 4 * (34 - 7));
	assert_int_equal(sonde_bucket_lower_ns(b.edges[0]), 128);
	assert_int_equal(sonde_bucket_lower_ns(b.edges[1]), 160);
	assert_int_equal(sonde_bucket_lower_ns(b.edges[4]), 256);
	assert_int_equal(sonde_bucket_lower_ns(b.edges[b.nr_edges - 1]), 1ULL << 34);
	for (i = 1; i < b.nr_edges; i++)
		assert_true(b.edges[i] > b.edges[i - 1]);
	/* 16 per octave over a range given: its ends out to powers of two. */
	assert_int_equal(prom_buckets_parse(&b, "--prometheus-buckets", "16/octave:40us-100us"), 0);
	assert_int_equal(sonde_bucket_lower_ns(b.edges[0]), 32768);
	assert_int_equal(sonde_bucket_lower_ns(b.edges[b.nr_edges - 1]), 131072);
	assert_int_equal(b.nr_edges, 1 + 16 * 2);
	/* Below 16 ns, where a bucket is 1 ns, only the powers of two. */
	assert_int_equal(prom_buckets_parse(&b, "--prometheus-buckets", "4/octave:1ns-64ns"), 0);
	assert_int_equal(b.edges[0], 1);
	assert_int_equal(sonde_bucket_lower_ns(b.edges[4]), 16);
	assert_int_equal(sonde_bucket_lower_ns(b.edges[5]), 20);
	assert_int_equal(sonde_bucket_lower_ns(b.edges[b.nr_edges - 1]), 64);
	prom_buckets_free(&b);
}

static void test_buckets_list_and_errors(void **state)
{
	struct prom_buckets b;

	(void)state;
	assert_int_equal(prom_buckets_init(&b), 0);
	assert_int_equal(prom_buckets_parse(&b, "--prometheus-buckets", "1ms,100us,1000us"), 0);
	/* Moved to the nearest edge, sorted, the two 1 ms merged. */
	assert_int_equal(b.nr_edges, 2);
	/* 100 us lies between the edges 98304 and 102400 ns; 1 ms between 983040 and 1015808. */
	assert_int_equal(sonde_bucket_lower_ns(b.edges[0]), 98304);
	assert_int_equal(sonde_bucket_lower_ns(b.edges[1]), 1015808);
	assert_int_equal(prom_buckets_parse(&b, "--prometheus-buckets", "16/octave"), 0);
	assert_int_equal(b.nr_edges, 1 + 16 * (34 - 7));
	assert_int_equal(prom_buckets_parse(&b, "--prometheus-buckets", "3/octave"), -2);
	assert_int_equal(prom_buckets_parse(&b, "--prometheus-buckets", "4/octaves"), -2);
	assert_int_equal(prom_buckets_parse(&b, "--prometheus-buckets", "4/octave:10s-1s"), -2);
	assert_int_equal(prom_buckets_parse(&b, "--prometheus-buckets", "1ms,soon"), -2);
	assert_int_equal(prom_buckets_parse(&b, "--prometheus-buckets", ","), -2);
	/* A refused SPEC leaves the layout it had. */
	assert_int_equal(b.nr_edges, 1 + 16 * (34 - 7));
	prom_buckets_free(&b);
}

static void test_lat_same_name_summed(void **state)
{
	struct lat_profile *p = lat_profile_new(3);
	struct prom_buckets b;
	struct prom_writer *w = prom_text_writer_new();
	char *out;

	(void)state;
	prom_buckets_init(&b);
	p->funcs[0] = (struct func_result){.object = "/usr/bin/svc", .name = "parse", .calls = 2};
	p->funcs[1] = (struct func_result){.object = "/opt/svc", .name = "parse", .calls = 3};
	p->funcs[2] =
	    (struct func_result){.object = "/usr/lib/libz.so.1", .name = "inflate", .calls = 7};
	p->funcs[0].hist[sonde_bucket_of_ns(1000)] = 2;
	p->funcs[1].hist[sonde_bucket_of_ns(1000)] = 3;
	p->funcs[2].hist[sonde_bucket_of_ns(5000)] = 7;
	assert_int_equal(prom_lat_write(w, p, &b), 0);
	out = finish(w);
	/* Two files both called svc: one series, 5 calls; sorted by object. */
	assert_non_null(strstr(out, "sonde_function_duration_seconds_count{function=\"parse\","
				    "object=\"svc\"} 5\n"));
	assert_non_null(strstr(out, "sonde_function_duration_seconds_count{function=\"inflate\","
				    "object=\"libz.so.1\"} 7\n"));
	assert_true(strstr(out, "object=\"libz.so.1\"} 7") < strstr(out, "object=\"svc\"} 5"));
	assert_non_null(
	    strstr(out, "sonde_probe_hits_total{function=\"parse\",object=\"svc\"} 10\n"));
	/* No split measured, no calibration: those families are left out, not zero. */
	assert_null(strstr(out, "sonde_function_oncpu_seconds_total"));
	assert_null(strstr(out, "sonde_probe_overhead_seconds_total"));
	assert_non_null(strstr(out, "sonde_dropped_total{reason=\"depth\"} 0\n"));
	assert_non_null(strstr(out, "sonde_build_info{version="));
	free(out);
	prom_buckets_free(&b);
	lat_profile_free(p);
}

static void test_lat_pid_series(void **state)
{
	struct lat_profile *p = lat_profile_new(2);
	/* parse() of /usr/bin/svc in processes 12 and 7, and of /opt/svc in 12. */
	struct lat_pid_result r[3] = {
	    {.object = "/usr/bin/svc", .name = "parse", .pid = 12, .id = 0},
	    {.object = "/opt/svc", .name = "parse", .pid = 12, .id = 1},
	    {.object = "/usr/bin/svc", .name = "parse", .pid = 7, .id = 0},
	};
	struct lat_pids pids = {.r = r, .nr = 3};
	struct prom_buckets b;
	struct prom_writer *w = prom_text_writer_new();
	char *out;
	int i;

	(void)state;
	prom_buckets_init(&b);
	p->funcs[0] = (struct func_result){.object = "/usr/bin/svc", .name = "parse", .calls = 6};
	p->funcs[1] = (struct func_result){.object = "/opt/svc", .name = "parse", .calls = 1};
	p->funcs[0].hist[sonde_bucket_of_ns(1000)] = 6;
	p->funcs[1].hist[sonde_bucket_of_ns(1000)] = 1;
	for (i = 0; i < 3; i++) {
		r[i].calls = i == 0 ? 2 : i == 1 ? 1 : 4;
		r[i].total_ns = r[i].calls * 1000;
		r[i].hist[sonde_bucket_of_ns(1000)] = r[i].calls;
	}
	assert_int_equal(prom_lat_write_pids(w, p, &pids, &b), 0);
	out = finish(w);
	/* Per process, the two files called svc summed; by pid, numerically. */
	assert_non_null(strstr(out, "sonde_function_duration_seconds_count{function=\"parse\","
				    "object=\"svc\",pid=\"12\"} 3\n"));
	assert_non_null(strstr(out, "sonde_function_duration_seconds_sum{function=\"parse\","
				    "object=\"svc\",pid=\"12\"} 3e-06\n"));
	assert_non_null(strstr(out, "sonde_function_duration_seconds_bucket{function=\"parse\","
				    "object=\"svc\",pid=\"7\",le=\"+Inf\"} 4\n"));
	assert_true(strstr(out, "pid=\"7\"") < strstr(out, "pid=\"12\""));
	/* No merged duration series beside them; the other families stay per function. */
	assert_null(strstr(out, "_count{function=\"parse\",object=\"svc\"}"));
	assert_non_null(
	    strstr(out, "sonde_probe_hits_total{function=\"parse\",object=\"svc\"} 14\n"));
	assert_null(strstr(out, "sonde_probe_hits_total{function=\"parse\",object=\"svc\",pid"));
	assert_non_null(strstr(out, "sonde_dropped_total{reason=\"pid_table\"} 0\n"));
	free(out);

	/* No process called yet: the family is there, without series. */
	pids.nr = 0;
	w = prom_text_writer_new();
	assert_int_equal(prom_lat_write_pids(w, p, &pids, &b), 0);
	out = finish(w);
	assert_non_null(strstr(out, "# TYPE sonde_function_duration_seconds histogram\n"));
	assert_null(strstr(out, "sonde_function_duration_seconds_count"));
	free(out);
	prom_buckets_free(&b);
	lat_profile_free(p);
}

static void test_mem_stacks_top_and_other(void **state)
{
	struct mem_profile *p = mem_profile_new(8);
	const char *a[] = {"leaky+0x10", "serve+0x20", "main+0x5"};
	const char *b[] = {"leaky+0x18", "serve+0x20", "main+0x5"}; /* same functions */
	const char *c[] = {"cache_fill+0x3", "main+0x9"};
	struct prom_writer *w = prom_text_writer_new();
	struct mem_stack *s;
	char *out;

	(void)state;
	s = mem_profile_stack(p, 1);
	mem_stack_set_frames(s, a, 3);
	s->allocs = 10, s->live_bytes = 1000, s->growth_bytes_per_s = 300;
	s = mem_profile_stack(p, 2);
	mem_stack_set_frames(s, b, 3);
	s->allocs = 1, s->live_bytes = 24, s->growth_bytes_per_s = 200;
	s = mem_profile_stack(p, 3);
	mem_stack_set_frames(s, c, 2);
	s->allocs = 5, s->live_bytes = 4096, s->growth_bytes_per_s = 10;
	p->rss_bytes = 1 << 20;
	assert_int_equal(prom_mem_write(w, p, 2), 0);
	out = finish(w);
	/* Outermost first, offsets gone: stacks 1 and 2 read alike and are one series. */
	assert_non_null(strstr(out, "sonde_stack_live_bytes{stack=\"main;serve;leaky\"} 1024\n"));
	assert_non_null(strstr(out, "sonde_stack_live_bytes{stack=\"main;cache_fill\"} 4096\n"));
	assert_non_null(strstr(out, "sonde_stack_live_bytes{stack=\"other\"} 0\n"));
	assert_non_null(strstr(out, "sonde_heap_live_bytes 5120\n"));
	assert_non_null(strstr(out, "sonde_rss_bytes 1048576\n"));
	free(out);
	/* --top 1: the slower grower goes to "other"; a stack that reads as a shown one joins it.
	 */
	w = prom_text_writer_new();
	assert_int_equal(prom_mem_write(w, p, 1), 0);
	out = finish(w);
	assert_non_null(strstr(out, "sonde_stack_live_bytes{stack=\"main;serve;leaky\"} 1024\n"));
	assert_non_null(strstr(out, "sonde_stack_live_bytes{stack=\"other\"} 4096\n"));
	free(out);
	mem_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_lines_and_escaping),
	    cmocka_unit_test(test_seconds_exact),
	    cmocka_unit_test(test_text_histogram_cumulative),
	    cmocka_unit_test(test_buckets_per_octave),
	    cmocka_unit_test(test_buckets_list_and_errors),
	    cmocka_unit_test(test_lat_same_name_summed),
	    cmocka_unit_test(test_lat_pid_series),
	    cmocka_unit_test(test_mem_stacks_top_and_other),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
