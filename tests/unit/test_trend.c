// SPDX-License-Identifier: GPL-2.0
/* sonde trend: functions paired over a series of profiles, and its JSON (user/diff/trend*.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "diff/trend.h"
#include "diff/trend_term.h"
#include "core/hist.h"
#include "out/csv.h"
#include "out/profile_file.h"

#define NR 6

struct fn {
	const char *object, *name;
	__u64 ns; /* 0: not in this profile */
};

/* Each function's calls spread over ±2 % of ns, so its p90 is near ns. */
static struct sonde_profile *profile_of(const char *main, const struct fn *fns, size_t n)
{
	struct sonde_profile *sp = calloc(1, sizeof(*sp));
	struct lat_profile *p = lat_profile_new(n);
	size_t i, k, nr = 0;

	sp->kind = PROFILE_LAT;
	sp->meta = calloc(1, sizeof(*sp->meta));
	sp->lat = p;
	p->main_object = main;
	p->duration_ns = 1000000000ULL;
	for (i = 0; i < n; i++) {
		struct func_result *f = &p->funcs[nr];

		if (!fns[i].ns)
			continue;
		f->object = fns[i].object ? fns[i].object : main;
		f->name = fns[i].name;
		for (k = 0; k < 1000; k++) {
			__u64 v = fns[i].ns - fns[i].ns / 50 + fns[i].ns / 25 * k / 1000;

			f->hist[sonde_bucket_of_ns(v)]++;
			f->total_ns += v;
			f->min_ns = f->min_ns && f->min_ns < v ? f->min_ns : v;
			f->max_ns = f->max_ns > v ? f->max_ns : v;
		}
		f->calls = 1000;
		nr++;
	}
	p->nr_funcs = nr;
	return sp;
}

/*
 * Six builds: lookup 30 % slower from the fourth on, parse the same, a
 * library function only from the third (its values absent before), the
 * main executable's path different in each build.
 */
static void make_series(struct sonde_profile **p)
{
	static const char *const mains[NR] = {"/opt/v1/svc", "/opt/v2/svc", "/opt/v3/svc",
					      "/opt/v4/svc", "/opt/v5/svc", "/opt/v6/svc"};
	static const __u64 lookup[NR] = {100000, 100400, 99700, 130000, 130500, 129600};
	size_t i;

	for (i = 0; i < NR; i++) {
		const struct fn fns[] = {{NULL, "parse", 40000 + 100 * (i % 2)},
					 {NULL, "lookup", lookup[i]},
					 {"/usr/lib/libx.so.3", "x_read", i >= 2 ? 20000 : 0}};

		p[i] = profile_of(mains[i], fns, 3);
	}
}

static const struct trend_row *row_named(const struct trend_report *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nr_rows; i++)
		if (!strcmp(r->rows[i].name, name))
			return &r->rows[i];
	fail_msg("no row %s", name);
	return NULL;
}

static const char *const files[NR] = {"a", "b", "c", "d", "e", "f"};

static void test_pairs_and_finds_the_step(void **state)
{
	const struct diff_opts o = {.metric = DIFF_P90, .threshold_pct = 10, .alpha = 0.01};
	struct sonde_profile *p[NR];
	struct trend_report *r;
	const struct trend_row *row;
	size_t i;

	(void)state;
	make_series(p);
	assert_int_equal(trend_compute(p, files, NR, &o, &r), 0);
	assert_int_equal(r->nr_rows, 3); /* one row each, whatever the executable's path */
	assert_int_equal(r->changed, 1);
	assert_string_equal(r->rows[0].name, "lookup");
	row = row_named(r, "lookup");
	assert_int_equal(row->nr_points, 1);
	assert_int_equal(row->points[0].index, 3);
	assert_true(fabs(row->points[0].change_pct - 30) < 3);
	assert_true(fabs(row->change_pct - 29.6) < 3);
	assert_true(fabs(row->first - 100000) < 3000);
	row = row_named(r, "parse");
	assert_int_equal(row->nr_points, 0);
	assert_int_equal(row->nr_present, NR);
	row = row_named(r, "x_read");
	assert_string_equal(row->key, "libx.so.3");
	assert_int_equal(row->nr_present, 4);
	assert_true(isnan(row->values[0]) && isnan(row->values[1]) && !isnan(row->values[2]));
	trend_report_free(r);
	for (i = 0; i < NR; i++)
		sonde_profile_free(p[i]);
}

/* The JSON: the series with null where absent, the change point with its file. */
static void test_json(void **state)
{
	const struct report_opts ro = {0};
	const struct diff_opts o = {.metric = DIFF_P50, .threshold_pct = 10, .alpha = 0.01};
	struct sonde_profile *p[NR];
	struct trend_report *r;
	json_t *root, *rows, *x;
	json_error_t jerr;
	char *text = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	make_series(p);
	assert_int_equal(trend_compute(p, files, NR, &o, &r), 0);
	assert_int_equal(trend_report_json(f, r, &ro), 0);
	fclose(f);
	root = json_loads(text, 0, &jerr);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "type")), "trend");
	assert_string_equal(json_string_value(json_object_get(root, "metric")), "p50");
	assert_int_equal(json_integer_value(json_object_get(root, "changed")), 1);
	rows = json_object_get(root, "rows");
	assert_int_equal(json_array_size(rows), 3);
	x = json_array_get(json_object_get(json_array_get(rows, 0), "change_points"), 0);
	assert_int_equal(json_integer_value(json_object_get(x, "index")), 3);
	assert_string_equal(json_string_value(json_object_get(x, "profile")), "d");
	assert_true(json_integer_value(json_object_get(x, "before_ns")) < 103000);
	assert_true(json_real_value(json_object_get(x, "p_value")) < 0.01);
	for (i = 0; i < 3; i++) {
		x = json_array_get(rows, i);
		if (strcmp(json_string_value(json_object_get(x, "name")), "x_read"))
			continue;
		assert_true(json_is_null(json_array_get(json_object_get(x, "values_ns"), 1)));
		assert_true(json_is_integer(json_array_get(json_object_get(x, "values_ns"), 2)));
	}
	json_decref(root);
	free(text);
	trend_report_free(r);
	for (i = 0; i < NR; i++)
		sonde_profile_free(p[i]);
}

/* CSV from the same object: the largest change point's scalars, no arrays;
 * rows whose change points are [] beside rows whose are objects. */
static void test_csv(void **state)
{
	static const char *const context[] = {"type", "metric", NULL};
	const struct csv_shape shape = {.rows = "rows", .context = context};
	const struct diff_opts o = {.metric = DIFF_P90, .threshold_pct = 10, .alpha = 0.01};
	struct sonde_profile *p[NR];
	struct trend_report *r;
	bool header = false;
	char *text = NULL, *line2;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	make_series(p);
	assert_int_equal(trend_compute(p, files, NR, &o, &r), 0);
	assert_int_equal(csv_write(f, trend_report_to_json(r), &shape, &header), 0);
	fclose(f);
	assert_non_null(strstr(text, "type,metric,kind,object,name,first_ns,last_ns,change_pct,"
				     "nr_change_points,largest_change_index,largest_change_pct,"
				     "largest_change_p_value\r\n"));
	line2 = strstr(text, "\r\n") + 2;
	assert_int_equal(strncmp(line2, "trend,p90,function,/opt/v6/svc,lookup,", 38), 0);
	assert_null(strstr(text, ",change_points"));
	free(text);
	trend_report_free(r);
	for (i = 0; i < NR; i++)
		sonde_profile_free(p[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pairs_and_finds_the_step),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_csv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
