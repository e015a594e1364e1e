// SPDX-License-Identifier: GPL-2.0
/* Names shortened for tables and told apart (user/probe/short_names.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "probe/short_names.h"

static void expect_short(const char *name, size_t width, const char *want)
{
	char buf[1024];

	short_name(name, width, buf, sizeof(buf));
	if (strcmp(buf, want))
		fail_msg("short_name(\"%s\", %zu) = \"%s\", expected \"%s\"", name, width, buf,
			 want);
}

#define STR "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >"

static void test_fits_as_is(void **state)
{
	(void)state;
	expect_short("main", 72, "main");
	expect_short("shop::Cache<int>::get(int) const", 72, "shop::Cache<int>::get(int) const");
	expect_short("int ns::max<int>(int, int)", 72, "int ns::max<int>(int, int)");
}

/* The shortest form that fits wins; clone suffixes and qualifiers always stay. */
static void test_levels(void **state)
{
	const char *put = "shop::Inventory::put(" STR " const&, int) [clone .isra.0]";

	(void)state;
	expect_short(put, 200, put);
	expect_short(put, 87,
		     "shop::Inventory::put(std::__cxx11::basic_string<char, ...> const&, "
		     "int) [clone .isra.0]");
	expect_short(put, 86,
		     "shop::Inventory::put(basic_string<char, ...> const&, int) [clone "
		     ".isra.0]");
	expect_short(put, 73,
		     "shop::Inventory::put(basic_string<char, ...> const&, int) [clone "
		     ".isra.0]");
	expect_short(put, 72,
		     "shop::Inventory::put(basic_string<...> const&, int) [clone .isra.0]");
	expect_short(put, 66, "shop::Inventory::put(...) [clone .isra.0]");
	expect_short(put, 40, "...::Inventory::put(...) [clone .isra.0]");
	expect_short(put, 30, "...::put(...) [clone .isra.0]");
	expect_short("std::map<int, int, std::less<int>, std::allocator<std::pair<int const, int> "
		     "> >::find(int const&) const",
		     42, "std::map<int, ...>::find(int const&) const");
	/* The class's first template argument is the last thing to go. */
	expect_short("std::__cxx11::basic_string<wchar_t, std::char_traits<wchar_t>, "
		     "std::allocator<wchar_t> >::append(std::__cxx11::basic_string<wchar_t, "
		     "std::char_traits<wchar_t>, std::allocator<wchar_t> > const&)",
		     75,
		     "std::__cxx11::basic_string<wchar_t, ...>::append(basic_string<...> const&)");
	expect_short("std::__cxx11::basic_string<wchar_t, std::char_traits<wchar_t>, "
		     "std::allocator<wchar_t> >::append(char const*)",
		     55, "std::__cxx11::basic_string<wchar_t, ...>::append(...)");
	/* A template function's return type goes first. */
	expect_short("std::vector<int, std::allocator<int> > shop::make<int>(unsigned long)", 40,
		     "shop::make<int>(unsigned long)");
}

/* Rust: generic arguments elided, "->" is no closing bracket. */
static void test_rust(void **state)
{
	(void)state;
	expect_short("<app::Stack<alloc::vec::Vec<u32>> as core::fmt::Debug>::fmt", 59,
		     "<app::Stack<alloc::vec::Vec<u32>> as core::fmt::Debug>::fmt");
	expect_short("<app::Stack<alloc::vec::Vec<u32>> as core::fmt::Debug>::fmt", 42,
		     "<app::Stack<...> as core::fmt::Debug>::fmt");
	/* An impl's type and trait lose their namespaces before the method is cut. */
	expect_short("<app::Stack<alloc::vec::Vec<u32>> as core::fmt::Debug>::fmt", 41,
		     "<Stack<...> as Debug>::fmt");
	expect_short("app::apply::<fn(u32) -> u32, alloc::string::String>", 33,
		     "app::apply::<fn(u32) -> u32, ...>");
	expect_short("app::apply::<fn(u32) -> u32, alloc::string::String>", 32,
		     "app::apply::<...>");
}

/* A C name without structure: its middle is cut, its clone suffix kept. */
static void test_cut(void **state)
{
	char buf[64];

	(void)state;
	expect_short("a_very_long_c_function_name_that_goes_on_and_on.constprop.0", 40,
		     "a_very_long_...oes_on_and_on.constprop.0");
	short_name("a_very_long_c_function_name_that_goes_on_and_on", 20, buf, sizeof(buf));
	assert_int_equal(strlen(buf), 20);
	/* UTF-8 is never cut inside a character. */
	short_name("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 11,
		   buf, sizeof(buf));
	assert_string_equal(buf, "\xc3\xa9\xc3\xa9...\xc3\xa9\xc3\xa9");
}

static char **shown(const struct name_row *rows, size_t n, size_t width)
{
	char **out = NULL;

	assert_int_equal(short_names(rows, n, width, &out), 0);
	assert_non_null(out);
	return out;
}

/* Destructors that demangle alike: the mangled kind tells them apart. */
static void test_apart_by_variant(void **state)
{
	const struct name_row rows[] = {
	    {"/x", "shapes::Circle::~Circle()", "_ZN6shapes6CircleD0Ev"},
	    {"/x", "shapes::Circle::~Circle()", "_ZN6shapes6CircleD1Ev"},
	    {"/x", "shapes::Circle::area() const", "_ZNK6shapes6Circle4areaEv"},
	    {"/x", "app::twice", "_ZN3app5twice17h6f7b9201ac4a1aebE"},
	    {"/x", "app::twice", "_ZN3app5twice17h0123456789abcdefE"},
	};
	char **out = shown(rows, 5, 72);

	(void)state;
	assert_string_equal(out[0], "shapes::Circle::~Circle() [D0]");
	assert_string_equal(out[1], "shapes::Circle::~Circle() [D1]");
	assert_string_equal(out[2], "shapes::Circle::area() const");
	assert_string_equal(out[3], "app::twice [h6f7b9201]");
	assert_string_equal(out[4], "app::twice [h01234567]");
	short_names_free(out, 5);
}

/* Overloads that shorten alike, and C statics of one name: their rank. Other objects apart. */
static void test_apart_by_rank(void **state)
{
	const struct name_row rows[] = {
	    {"/x", "f(std::vector<int, std::allocator<int> >)", "_Z1fSt6vectorIiSaIiEE"},
	    {"/x", "f(std::vector<long, std::allocator<long> >)", "_Z1fSt6vectorIlSaIlEE"},
	    {"/x", "helper", NULL},
	    {"/x", "helper", NULL},
	    {"/lib/y.so", "helper", NULL},
	};
	char **out = shown(rows, 5, 20);

	(void)state;
	assert_string_equal(out[0], "f(vector<int, ...>)");
	assert_string_equal(out[1], "f(vector<long, ...>)");
	short_names_free(out, 5);
	out = shown(rows, 5, 10);
	assert_string_equal(out[0], "f(...) [#1]");
	assert_string_equal(out[1], "f(...) [#2]");
	assert_string_equal(out[2], "helper [#1]");
	assert_string_equal(out[3], "helper [#2]");
	assert_string_equal(out[4], "helper");
	short_names_free(out, 5);
}

static void test_empty(void **state)
{
	char **out = NULL;

	(void)state;
	assert_int_equal(short_names(NULL, 0, 72, &out), 0);
	short_names_free(out, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fits_as_is),
	    cmocka_unit_test(test_levels),
	    cmocka_unit_test(test_rust),
	    cmocka_unit_test(test_cut),
	    cmocka_unit_test(test_apart_by_variant),
	    cmocka_unit_test(test_apart_by_rank),
	    cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
