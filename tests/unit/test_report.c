// SPDX-License-Identifier: GPL-2.0
/* Renderers: JSON (parsed back with jansson) and the terminal table (user/report_*.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "core/hist.h"
#include "out/lat_report.h"

#define B1000 111 /* [992, 1024) */
#define B5000 147 /* [4864, 5120) */

/*
 * handle_req: 4 calls in [992, 1024), true min 1000 and max 1010.
 * SSL_read (a library): 1 call of 5000 ns. idle: never called.
 */
static struct lat_profile *make_profile(void)
{
	struct lat_profile *p = lat_profile_new(3);
	struct func_result *f;

	assert_non_null(p);
	p->final = true;
	p->main_object = "/usr/bin/mysvc";
	p->duration_ns = 2000000000ULL;
	p->drops[SONDE_DROP_DEPTH] = 3;
	f = &p->funcs[0];
	f->object = "/usr/bin/mysvc";
	f->name = "handle_req";
	f->calls = 4;
	f->total_ns = 4020;
	f->self_ns = 3000;
	f->min_ns = 1000;
	f->max_ns = 1010;
	f->hist[B1000] = 4;
	f = &p->funcs[1];
	f->object = "/usr/lib/x86_64-linux-gnu/libssl.so.3";
	f->name = "SSL_read";
	f->calls = 1;
	f->total_ns = 5000;
	f->self_ns = 5000;
	f->min_ns = 5000;
	f->max_ns = 5000;
	f->hist[B5000] = 1;
	f = &p->funcs[2];
	f->object = "/usr/bin/mysvc";
	f->name = "idle";
	return p;
}

/* Render into a string with open_memstream. */
static char *render(const struct lat_profile *p, bool json, bool hist, bool color)
{
	struct report_opts o = { .hist = hist, .color = color };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (json)
		assert_int_equal(report_lat_json(f, p), 0);
	else
		report_lat_term(f, p, &o);
	fclose(f);
	assert_non_null(buf);
	return buf;
}

static json_int_t int_field(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		fail_msg("field '%s' missing or not an integer", key);
	return json_integer_value(v);
}

static void test_json_contract(void **state)
{
	struct lat_profile *p = make_profile();
	char *out = render(p, true, false, false);
	json_error_t jerr;
	json_t *root, *funcs, *f, *drops;

	(void)state;
	/* One object, one line. */
	assert_non_null(strchr(out, '\n'));
	assert_int_equal(strchr(out, '\n') - out, strlen(out) - 1);
	root = json_loads(out, 0, &jerr);
	if (!root)
		fail_msg("invalid JSON (%s): %s", jerr.text, out);
	assert_string_equal(json_string_value(json_object_get(root, "type")), "lat");
	assert_true(json_is_true(json_object_get(root, "final")));
	assert_int_equal(int_field(root, "duration_ns"), 2000000000LL);
	drops = json_object_get(root, "drops");
	assert_true(json_is_object(drops));
	assert_int_equal(int_field(drops, "depth"), 3);
	assert_int_equal(int_field(drops, "missed_return"), 0);

	funcs = json_object_get(root, "functions");
	assert_true(json_is_array(funcs));
	assert_int_equal(json_array_size(funcs), 3);
	f = json_array_get(funcs, 0);
	assert_string_equal(json_string_value(json_object_get(f, "object")), "/usr/bin/mysvc");
	assert_string_equal(json_string_value(json_object_get(f, "name")), "handle_req");
	assert_int_equal(int_field(f, "calls"), 4);
	assert_int_equal(int_field(f, "total_ns"), 4020);
	assert_int_equal(int_field(f, "self_ns"), 3000);
	assert_int_equal(int_field(f, "min_ns"), 1000);
	assert_int_equal(int_field(f, "max_ns"), 1010);
	assert_int_equal(int_field(f, "mean_ns"), 1005);
	/* Four values spread over [992, 1024): p50 at 1004, the rest capped by max. */
	assert_int_equal(int_field(f, "p50_ns"), 1004);
	assert_int_equal(int_field(f, "p90_ns"), 1010);
	assert_int_equal(int_field(f, "p99_ns"), 1010);
	assert_int_equal(int_field(f, "p999_ns"), 1010);
	/* hist: [[lower_ns, count], ...], non-empty buckets only. */
	{
		json_t *h = json_object_get(f, "hist"), *pair;

		assert_true(json_is_array(h));
		assert_int_equal(json_array_size(h), 1);
		pair = json_array_get(h, 0);
		assert_int_equal(json_array_size(pair), 2);
		assert_int_equal(json_integer_value(json_array_get(pair, 0)), 992);
		assert_int_equal(json_integer_value(json_array_get(pair, 1)), 4);
	}
	f = json_array_get(funcs, 1);
	assert_string_equal(json_string_value(json_object_get(f, "object")),
			    "/usr/lib/x86_64-linux-gnu/libssl.so.3");
	assert_string_equal(json_string_value(json_object_get(f, "name")), "SSL_read");
	assert_int_equal(int_field(f, "p50_ns"), 5000);
	assert_int_equal(int_field(f, "p99_ns"), 5000);
	f = json_array_get(funcs, 2);
	assert_int_equal(int_field(f, "calls"), 0);
	assert_int_equal(int_field(f, "mean_ns"), 0);
	assert_int_equal(int_field(f, "p50_ns"), 0);
	assert_int_equal(json_array_size(json_object_get(f, "hist")), 0);
	json_decref(root);
	free(out);
	lat_profile_free(p);
}

static void test_json_interval_and_many_buckets(void **state)
{
	struct lat_profile *p = make_profile();
	json_t *root, *h;
	char *out;
	int b;

	(void)state;
	p->final = false;
	for (b = 0; b < SONDE_HIST_BUCKETS; b++)
		p->funcs[0].hist[b] = (__u64)b + 1;
	out = render(p, true, false, false);
	root = json_loads(out, 0, NULL);
	assert_non_null(root);
	assert_true(json_is_false(json_object_get(root, "final")));
	h = json_object_get(json_array_get(json_object_get(root, "functions"), 0), "hist");
	assert_int_equal(json_array_size(h), SONDE_HIST_BUCKETS);
	for (b = 0; b < SONDE_HIST_BUCKETS; b += 37) {
		json_t *pair = json_array_get(h, b);

		assert_int_equal(json_integer_value(json_array_get(pair, 0)), sonde_bucket_lower_ns(b));
		assert_int_equal(json_integer_value(json_array_get(pair, 1)), b + 1);
	}
	json_decref(root);
	free(out);
	lat_profile_free(p);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not in:\n%s", needle, hay);
}

/* The line of out that contains needle, as its own string (one of two static buffers). */
static const char *line_with(const char *out, const char *needle)
{
	static char lines[2][512];
	static int next;
	const char *at = strstr(out, needle);
	char *line = lines[next++ % 2];
	size_t n;

	if (!at)
		fail_msg("'%s' not in:\n%s", needle, out);
	while (at > out && at[-1] != '\n')
		at--;
	n = strcspn(at, "\n");
	assert_true(n < sizeof(lines[0]));
	memcpy(line, at, n);
	line[n] = '\0';
	return line;
}

static void test_term_table(void **state)
{
	static const char *const headers[] = { "FUNCTION", "CALLS", "CALLS/S", "P50", "P90", "P99",
					       "P99.9", "MAX", "MEAN", "TOTAL", "SELF" };
	struct lat_profile *p = make_profile();
	char *out = render(p, false, false, false);
	const char *row;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		assert_contains(out, headers[i]);
	assert_null(strchr(out, '\033'));
	assert_contains(out, "handle_req");
	/* Functions of other objects carry the library name. */
	assert_contains(out, "libssl.so.3:SSL_read");
	assert_null(strstr(out, "mysvc:handle_req"));
	/* handle_req: 4 calls, 2/s, p50 1.00us, max 1.01us, mean 1.00us, total 4.02us, self 3.00us. */
	row = line_with(out, "handle_req");
	assert_int_equal(strncmp(row, "handle_req", 10), 0);
	assert_contains(row, "  4  ");
	assert_contains(row, "  2  ");
	assert_contains(row, "1.00us");
	assert_contains(row, "1.01us");
	assert_contains(row, "4.02us");
	assert_contains(row, "3.00us");
	/* A function never called shows dashes, not zeros. */
	row = line_with(out, "idle");
	assert_contains(row, " - ");
	assert_null(strstr(row, "ns"));
	assert_null(strstr(row, "us"));
	/* Drops are reported. */
	assert_contains(out, "depth=3");
	free(out);
	lat_profile_free(p);
}

/* Columns line up: every row has its value columns ending at the header's. */
static void test_term_alignment(void **state)
{
	struct lat_profile *p = make_profile();
	char *out = render(p, false, false, false);
	size_t hlen = strlen(line_with(out, "FUNCTION"));

	(void)state;
	assert_true(hlen > 0);
	assert_int_equal(strlen(line_with(out, "handle_req")), hlen);
	assert_int_equal(strlen(line_with(out, "SSL_read")), hlen);
	assert_int_equal(strlen(line_with(out, "idle")), hlen);
	free(out);
	lat_profile_free(p);
}

static void test_term_color(void **state)
{
	struct lat_profile *p = make_profile();
	char *out = render(p, false, true, true);

	(void)state;
	assert_non_null(strchr(out, '\033'));
	free(out);
	out = render(p, false, true, false);
	assert_null(strchr(out, '\033'));
	free(out);
	lat_profile_free(p);
}

static void test_term_hist(void **state)
{
	struct lat_profile *p = make_profile();
	char *out;

	(void)state;
	p->funcs[0].hist[B5000] = 1;
	p->funcs[0].calls = 5;
	p->funcs[0].max_ns = 5000;
	out = render(p, false, true, false);
	assert_contains(out, "<- p50");
	assert_contains(out, "<- p99");
	assert_contains(out, "#");
	assert_null(strchr(out, '\033'));
	free(out);
	out = render(p, false, false, false);
	assert_null(strstr(out, "<- p50"));
	free(out);
	lat_profile_free(p);
}

/* Names from the binary are data: escaped in the table, widths taken escaped; exact in JSON. */
static void test_term_escapes_names(void **state)
{
	static const char evil[] = "evil_\x1b]0;pwned\x07_title\x1b[2J";
	struct lat_profile *p = make_profile();
	char *out;
	json_t *root;
	size_t hlen;

	(void)state;
	p->funcs[0].name = evil;
	p->funcs[1].object = "/usr/lib/lib\x1b[2J.so";
	out = render(p, false, true, false);
	assert_null(strchr(out, '\033'));
	assert_null(strchr(out, '\a'));
	hlen = strlen(line_with(out, "FUNCTION"));
	assert_int_equal(strlen(line_with(out, "evil_\\x1b]0;pwned\\x07_title\\x1b[2J  ")), hlen);
	assert_int_equal(strlen(line_with(out, "lib\\x1b[2J.so:SSL_read  ")), hlen);
	assert_int_equal(strlen(line_with(out, "idle")), hlen);
	assert_contains(out, "\nevil_\\x1b]0;pwned\\x07_title\\x1b[2J: wall time per call\n");
	free(out);
	out = render(p, true, false, false);
	assert_non_null(strstr(out, "\"name\":\"evil_\\u001B]0;pwned\\u0007_title\\u001B[2J\""));
	root = json_loads(out, 0, NULL);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(root, "functions"), 0), "name")),
			    evil);
	json_decref(root);
	free(out);
	lat_profile_free(p);
}

/*
 * Two destructors that demangle alike and a long C++ name: the table shows
 * them told apart and shortened, with the clone suffix kept; JSON keeps the
 * full name and adds the mangled one (not for C names).
 */
static void test_names_told_apart(void **state)
{
	static const char put[] = "shop::Inventory::put(std::__cxx11::basic_string<char, "
				  "std::char_traits<char>, std::allocator<char> > const&, int) "
				  "[clone .isra.0]";
	struct lat_profile *p = make_profile();
	json_t *root, *funcs;
	char *out;

	(void)state;
	p->funcs[0].name = "shapes::Circle::~Circle()";
	p->funcs[0].mangled = "_ZN6shapes6CircleD0Ev";
	p->funcs[2].name = "shapes::Circle::~Circle()";
	p->funcs[2].mangled = "_ZN6shapes6CircleD1Ev";
	p->funcs[1].object = p->main_object;
	p->funcs[1].name = put;
	p->funcs[1].mangled = "_ZN4shop9Inventory3putERKNSt7__cxx1112basic_stringIcSt11char_"
			      "traitsIcESaIcEEEi.isra.0";
	out = render(p, false, false, false);
	assert_contains(out, "\nshapes::Circle::~Circle() [D0]  ");
	assert_contains(out, "\nshapes::Circle::~Circle() [D1]  ");
	assert_contains(out, "\nshop::Inventory::put(basic_string<...> const&, int) [clone .isra.0]  ");
	free(out);
	out = render(p, true, false, false);
	root = json_loads(out, 0, NULL);
	assert_non_null(root);
	funcs = json_object_get(root, "functions");
	assert_string_equal(json_string_value(json_object_get(json_array_get(funcs, 1), "name")),
			    put);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(funcs, 0), "mangled")),
	    "_ZN6shapes6CircleD0Ev");
	json_decref(root);
	free(out);
	p->funcs[0].name = "handle_req";
	p->funcs[0].mangled = NULL;
	out = render(p, true, false, false);
	root = json_loads(out, 0, NULL);
	assert_non_null(root);
	assert_null(json_object_get(json_array_get(json_object_get(root, "functions"), 0), "mangled"));
	json_decref(root);
	free(out);
	lat_profile_free(p);
}

static void test_want_color(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	/* Not a terminal: no colour, whatever NO_COLOR says. */
	unsetenv("NO_COLOR");
	assert_false(report_want_color(f));
	setenv("NO_COLOR", "1", 1);
	assert_false(report_want_color(f));
	unsetenv("NO_COLOR");
	fclose(f);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_contract),
		cmocka_unit_test(test_json_interval_and_many_buckets),
		cmocka_unit_test(test_term_table),
		cmocka_unit_test(test_term_alignment),
		cmocka_unit_test(test_term_color),
		cmocka_unit_test(test_term_hist),
		cmocka_unit_test(test_term_escapes_names),
		cmocka_unit_test(test_names_told_apart),
		cmocka_unit_test(test_want_color),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
