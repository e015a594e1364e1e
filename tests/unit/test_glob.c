// SPDX-License-Identifier: GPL-2.0
/* PROBE parsing, glob matching with demangled names, and suggestions (user/probe/glob.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "probe/glob.h"
#include "fixture.h"

/* ---- probe_spec_parse ------------------------------------------------- */

static void expect_spec(const char *arg, const char *object, const char *glob)
{
	struct probe_spec spec;

	assert_int_equal(probe_spec_parse(arg, &spec), 0);
	if (object)
		assert_string_equal(spec.object, object);
	else
		assert_null(spec.object);
	assert_string_equal(spec.glob, glob);
	probe_spec_free(&spec);
	assert_null(spec.object);
	assert_null(spec.glob);
}

static void test_spec_parse(void **state)
{
	(void)state;
	expect_spec("malloc", NULL, "malloc");
	expect_spec("handle_*", NULL, "handle_*");
	expect_spec("libc:malloc", "libc", "malloc");
	expect_spec("libssl.so.3:SSL_*", "libssl.so.3", "SSL_*");
	expect_spec("/usr/lib/x86_64-linux-gnu/libz.so.1:inflate*",
		    "/usr/lib/x86_64-linux-gnu/libz.so.1", "inflate*");
}

static void test_spec_parse_cxx(void **state)
{
	(void)state;
	expect_spec("ns::Cache::get*", NULL, "ns::Cache::get*");
	expect_spec("::global_fn", NULL, "::global_fn");
	expect_spec("libfoo:ns::get", "libfoo", "ns::get");
	expect_spec("libfoo.so:ns::Cache::get*", "libfoo.so", "ns::Cache::get*");
}

static void test_spec_parse_errors(void **state)
{
	static const char *const bad[] = { "", ":", "libc:", ":malloc" };
	struct probe_spec spec;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (probe_spec_parse(bad[i], &spec) != -EINVAL)
			fail_msg("probe_spec_parse(\"%s\") did not fail with -EINVAL", bad[i]);
		assert_null(spec.object);
		assert_null(spec.glob);
	}
	assert_int_equal(probe_spec_parse(NULL, &spec), -EINVAL);
}

/* ---- glob_matches_sym ------------------------------------------------- */

static void test_match_plain(void **state)
{
	struct sym s = { .name = "malloc" };

	(void)state;
	assert_true(glob_matches_sym("malloc", &s));
	assert_true(glob_matches_sym("mall?c", &s));
	assert_true(glob_matches_sym("m*", &s));
	assert_true(glob_matches_sym("*", &s));
	assert_true(glob_matches_sym("[mc]alloc", &s));
	assert_false(glob_matches_sym("malloc_*", &s));
	assert_false(glob_matches_sym("mallo", &s));
	assert_false(glob_matches_sym("free", &s));
	assert_false(glob_matches_sym("Malloc", &s));
	assert_false(glob_matches_sym("ns::*", &s));
}

static void test_match_demangled(void **state)
{
	struct sym s = { .name = "_ZN2ns5Cache3getEi", .demangled = "ns::Cache::get(int)" };

	(void)state;
	assert_true(glob_matches_sym("ns::Cache::get*", &s));
	assert_true(glob_matches_sym("ns::Cache::get", &s));
	assert_true(glob_matches_sym("ns::Cache::get(int)", &s));
	assert_true(glob_matches_sym("ns::*", &s));
	assert_true(glob_matches_sym("_ZN2ns*", &s));
	assert_true(glob_matches_sym("_ZN2ns5Cache3getEi", &s));
	assert_false(glob_matches_sym("Cache::get", &s));
	assert_false(glob_matches_sym("ns::Cache::ge", &s));
	assert_false(glob_matches_sym("ns::Cache::get(long)", &s));
	assert_false(glob_matches_sym("ns::Cache::put*", &s));
}

static void test_match_demangled_const(void **state)
{
	struct sym s = { .name = "_ZNK2ns5Cache4sizeEv", .demangled = "ns::Cache::size() const" };

	(void)state;
	assert_true(glob_matches_sym("ns::Cache::size", &s));
	assert_true(glob_matches_sym("ns::Cache::size*", &s));
	assert_true(glob_matches_sym("ns::Cache::*", &s));
	assert_false(glob_matches_sym("ns::Cache::siz", &s));
}

/* operator() has parentheses in its name: the parameter list is the last group. */
static void test_match_call_operator(void **state)
{
	struct sym s = { .name = "_ZN2ns5CacheclEi", .demangled = "ns::Cache::operator()(int)" };

	(void)state;
	assert_true(glob_matches_sym("ns::Cache::operator()*", &s));
	assert_true(glob_matches_sym("ns::Cache::operator()", &s));
	assert_false(glob_matches_sym("ns::Cache::operator", &s));
}

/* Function templates demangle with their return type first. */
static void test_match_template_return_type(void **state)
{
	struct sym s = { .name = "_ZN2ns3maxIiEET_S1_S1_", .demangled = "int ns::max<int>(int, int)" };

	(void)state;
	assert_true(glob_matches_sym("int ns::max*", &s));
	assert_true(glob_matches_sym("ns::max*", &s));
}

/* A glob without '<' or '(' matches the name without template arguments and parameters. */
static void test_match_template_class(void **state)
{
	struct sym s = { .name = "_ZNK4shop5CacheIiE3getEi",
			 .demangled = "shop::Cache<int>::get(int) const" };

	(void)state;
	assert_true(glob_matches_sym("shop::Cache::get", &s));
	assert_true(glob_matches_sym("shop::Cache::*", &s));
	assert_true(glob_matches_sym("shop::Cache<int>::get", &s));
	assert_true(glob_matches_sym("shop::Cache<int>::get(int) const", &s));
	assert_true(glob_matches_sym("shop::Cache*::get*", &s));
	assert_true(glob_matches_sym("shop::Cache::get(int) const", &s));
	assert_true(glob_matches_sym("shop::Cache::get(*)*", &s));
	assert_false(glob_matches_sym("shop::Cache::get(long) const", &s));
	assert_false(glob_matches_sym("shop::Cache<long>::get", &s));
	assert_false(glob_matches_sym("shop::Cache<int>::get(long) const", &s));
	assert_false(glob_matches_sym("shop::Cache::put", &s));
	assert_false(glob_matches_sym("Cache::get", &s));
}

/* Clones match their function's name, and keep their own; a cold part does neither. */
static void test_match_clones(void **state)
{
	struct sym c = { .name = "put.isra.0" }, cold = { .name = "put.cold" };
	struct sym x = { .name = "_ZN4shop3putERKi.constprop.0",
			 .demangled = "shop::put(int const&) [clone .constprop.0]" };
	struct sym xc = { .name = "_ZN4shop3putERKi.cold",
			  .demangled = "shop::put(int const&) [clone .cold]" };

	(void)state;
	assert_true(glob_matches_sym("put", &c));
	assert_true(glob_matches_sym("put.isra.0", &c));
	assert_true(glob_matches_sym("put*", &c));
	assert_false(glob_matches_sym("put.constprop*", &c));
	assert_false(glob_matches_sym("put", &cold));
	assert_true(glob_matches_sym("put*", &cold));
	assert_true(glob_matches_sym("shop::put", &x));
	assert_true(glob_matches_sym("shop::put(int const&)", &x));
	assert_true(glob_matches_sym("*[[]clone .constprop.0]", &x));
	assert_false(glob_matches_sym("shop::put", &xc));
	assert_true(glob_matches_sym("shop::put*", &xc));
}

/* Rust: the path without its hash (libiberty), generic arguments and impl brackets. */
static void test_match_rust(void **state)
{
	struct sym legacy = { .name = "_ZN3app5store5Store3get17h6f7b9201ac4a1aebE",
			      .demangled = "app::store::Store::get" };
	struct sym v0 = { .name = "_RNvMNtNtCs1_3app5storeNtB2_5Store3get",
			  .demangled = "<app::store::Store>::get" };
	struct sym trait = { .name = "_RNvXNtCs1_3appNtB2_6CircleNtB2_5Shape4area",
			     .demangled = "<app::Circle as app::Shape>::area" };
	struct sym generic = { .name = "_RINvCs1_3app5twicemEB2_", .demangled = "app::twice::<u32>" };

	(void)state;
	assert_true(glob_matches_sym("app::store::Store::get", &legacy));
	assert_true(glob_matches_sym("app::store::*", &legacy));
	assert_false(glob_matches_sym("app::store::Store::ge", &legacy));
	assert_true(glob_matches_sym("app::store::Store::get", &v0));
	assert_true(glob_matches_sym("<app::store::Store>::get", &v0));
	assert_true(glob_matches_sym("app::Circle::area", &trait));
	assert_true(glob_matches_sym("<app::Circle as app::Shape>::area", &trait));
	assert_true(glob_matches_sym("*as app::Shape>::area", &trait));
	assert_false(glob_matches_sym("app::Shape::area", &trait));
	assert_true(glob_matches_sym("app::twice", &generic));
	assert_true(glob_matches_sym("app::twice::<u32>", &generic));
	assert_false(glob_matches_sym("app::twice::<u64>", &generic));
}

/* ---- glob_distance ---------------------------------------------------- */

static void test_distance(void **state)
{
	(void)state;
	assert_int_equal(glob_distance("hadle_*", "handle_req"), 1);
	assert_int_equal(glob_distance("handle_req", "handle_req"), 0);
	assert_int_equal(glob_distance("handle_*", "handle_req"), 0);
	assert_int_equal(glob_distance("*", "anything_at_all"), 0);
	assert_int_equal(glob_distance("*", ""), 0);
	assert_int_equal(glob_distance("h?ndle", "handle"), 0);
	assert_int_equal(glob_distance("?", ""), 1);
	assert_int_equal(glob_distance("abc", "abd"), 1);
	assert_int_equal(glob_distance("abc", "ab"), 1);
	assert_int_equal(glob_distance("ab", "abc"), 1);
	assert_int_equal(glob_distance("", "abc"), 3);
	assert_int_equal(glob_distance("abc", ""), 3);
	assert_int_equal(glob_distance("kitten", "sitting"), 3);
	assert_int_equal(glob_distance("*req", "handle_rep"), 1);
	assert_int_equal(glob_distance("handle_*_end", "handle_x_y_end"), 0);
}

/* ---- glob_suggest against a fixture's symbols ------------------------- */

static const char fixture_src[] =
	"int handle_req(int x) { return x + 1; }\n"
	"int handle_conn(int x) { return x + 2; }\n"
	"int helper_thing(int x) { return x + 3; }\n"
	"int cache_get(int x) __asm__(\"_ZN2ns5Cache3getEi\");\n"
	"int cache_get(int x) { return x + 4; }\n"
	"int cache_put(int x, int y) __asm__(\"_ZN2ns5Cache3putEii\");\n"
	"int cache_put(int x, int y) { return x + y; }\n"
	"int main(int argc, char **argv) { (void)argv; return handle_req(argc) +\n"
	"  handle_conn(argc) + helper_thing(argc) + cache_get(argc) + cache_put(argc, 1); }\n";

struct glob_fixture {
	char dir[256];
	struct syms *syms;
};

static int fixture_setup(void **state)
{
	static struct glob_fixture fx;
	char src[512], exe[512];
	int err;

	if (fx_mkdtemp(fx.dir, sizeof(fx.dir)))
		return -1;
	fx_path(src, sizeof(src), fx.dir, "suggest.c");
	fx_path(exe, sizeof(exe), fx.dir, "suggest");
	if (fx_write(src, fixture_src))
		return -1;
	{
		char *argv[] = { "cc", "-O1", "-o", exe, src, NULL };

		if (fx_run(argv))
			return -1;
	}
	fx.syms = syms__load(exe, &err);
	if (!fx.syms) {
		fprintf(stderr, "syms__load(%s): %d\n", exe, err);
		return -1;
	}
	*state = &fx;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct glob_fixture *fx = *state;

	if (fx) {
		syms__free(fx->syms);
		fx_rmtree(fx->dir);
	}
	return 0;
}

static const struct sym *find_sym(const struct syms *syms, const char *name)
{
	size_t i;

	for (i = 0; i < syms__count(syms); i++)
		if (!strcmp(syms__get(syms, i)->name, name))
			return syms__get(syms, i);
	return NULL;
}

static bool contains(const char **v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static void test_suggest(void **state)
{
	struct glob_fixture *fx = *state;
	const char *out[8];
	size_t n;

	n = glob_suggest("hadle_*", fx->syms, out, 8);
	assert_int_equal(n, 2);
	assert_true(contains(out, n, "handle_req"));
	assert_true(contains(out, n, "handle_conn"));

	n = glob_suggest("hadle_*", fx->syms, out, 1);
	assert_int_equal(n, 1);
	assert_true(!strcmp(out[0], "handle_req") || !strcmp(out[0], "handle_conn"));

	/* Closest first. */
	n = glob_suggest("handle_co*", fx->syms, out, 8);
	assert_int_equal(n, 2);
	assert_string_equal(out[0], "handle_conn");
	assert_string_equal(out[1], "handle_req");

	n = glob_suggest("handle_rek", fx->syms, out, 8);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "handle_req");

	assert_int_equal(glob_suggest("zzzzzzzzzz", fx->syms, out, 8), 0);
	assert_int_equal(glob_suggest("hadle_*", fx->syms, out, 0), 0);
}

static void test_suggest_cxx(void **state)
{
	struct glob_fixture *fx = *state;
	const char *out[8];
	size_t n;

	/* C++ symbols are suggested by their demangled names. */
	n = glob_suggest("ns::Cache::gte*", fx->syms, out, 8);
	assert_true(n >= 1);
	assert_string_equal(out[0], "ns::Cache::get(int)");
}

/* End to end: the demangled names come from the ELF file. */
static void test_match_loaded_cxx(void **state)
{
	struct glob_fixture *fx = *state;
	const struct sym *get = find_sym(fx->syms, "_ZN2ns5Cache3getEi");
	const struct sym *put = find_sym(fx->syms, "_ZN2ns5Cache3putEii");

	assert_non_null(get);
	assert_non_null(put);
	assert_non_null(get->demangled);
	assert_string_equal(get->demangled, "ns::Cache::get(int)");
	assert_string_equal(put->demangled, "ns::Cache::put(int, int)");
	assert_true(glob_matches_sym("ns::Cache::get*", get));
	assert_false(glob_matches_sym("ns::Cache::get*", put));
	assert_true(glob_matches_sym("ns::Cache::*", put));
	assert_null(find_sym(fx->syms, "handle_req")->demangled);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test(test_spec_parse_cxx),
		cmocka_unit_test(test_spec_parse_errors),
		cmocka_unit_test(test_match_plain),
		cmocka_unit_test(test_match_demangled),
		cmocka_unit_test(test_match_demangled_const),
		cmocka_unit_test(test_match_call_operator),
		cmocka_unit_test(test_match_template_return_type),
		cmocka_unit_test(test_match_template_class),
		cmocka_unit_test(test_match_clones),
		cmocka_unit_test(test_match_rust),
		cmocka_unit_test(test_distance),
	};
	const struct CMUnitTest fixture_tests[] = {
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_suggest_cxx),
		cmocka_unit_test(test_match_loaded_cxx),
	};
	int failed;

	failed = cmocka_run_group_tests(tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("glob_suggest on a fixture", fixture_tests,
					      fixture_setup, fixture_teardown);
	return failed;
}
