// SPDX-License-Identifier: GPL-2.0
/* C++ and Rust names through libiberty, and the parts of demangled names (user/probe/demangle.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "probe/demangle.h"

static void expect_demangled(const char *mangled, const char *want)
{
	char *got = demangle(mangled);

	if (!want) {
		if (got)
			fail_msg("demangle(\"%s\") = \"%s\", expected NULL", mangled, got);
		return;
	}
	if (!got)
		fail_msg("demangle(\"%s\") = NULL, expected \"%s\"", mangled, want);
	assert_string_equal(got, want);
	free(got);
}

static void test_demangle_cxx(void **state)
{
	(void)state;
	expect_demangled("_ZN2ns5Cache3getEi", "ns::Cache::get(int)");
	expect_demangled("_ZNK4shop5CacheIiE3getEi", "shop::Cache<int>::get(int) const");
	expect_demangled("_ZN2ns3maxIiEET_S1_S1_", "int ns::max<int>(int, int)");
	expect_demangled("_ZN6shapes6CircleD0Ev", "shapes::Circle::~Circle()");
	/* gcc's clones keep their suffix, so they are told apart. */
	expect_demangled("_Z3putRKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEi.isra.0",
			 "put(std::__cxx11::basic_string<char, std::char_traits<char>, "
			 "std::allocator<char> > const&, int) [clone .isra.0]");
	expect_demangled("_Z4workv.constprop.0.isra.0",
			 "work() [clone .constprop.0] [clone .isra.0]");
	expect_demangled("_Z4workv.cold", "work() [clone .cold]");
}

/* Rust's legacy mangling: the hash and LLVM's suffix left out, the $-escapes decoded. */
static void test_demangle_rust_legacy(void **state)
{
	(void)state;
	expect_demangled("_ZN3app5store5Store3get17h6f7b9201ac4a1aebE", "app::store::Store::get");
	expect_demangled("_ZN3app5store5Store3get17h6f7b9201ac4a1aebE.llvm.12345678",
			 "app::store::Store::get");
	expect_demangled("_ZN49_$LT$app..Circle$u20$as$u20$app..shape..Shape$GT$4area17h7ca03a2249"
			 "36e84eE",
			 "<app::Circle as app::shape::Shape>::area");
}

/* Rust's v0 mangling: generic arguments and impls are in the name. */
static void test_demangle_rust_v0(void **state)
{
	(void)state;
	expect_demangled("_RNvMNtNtCscAEuU5ehQ2G_3app3app5storeNtB2_5Store3get",
			 "<app::app::store::Store>::get");
	expect_demangled("_RNvXNtCscAEuU5ehQ2G_3app3appNtB2_6CircleNtB2_5Shape4area",
			 "<app::app::Circle as app::app::Shape>::area");
	expect_demangled("_RNvCscAEuU5ehQ2G_3app4main", "app::main");
}

static void test_demangle_not_mangled(void **state)
{
	(void)state;
	expect_demangled("main", NULL);
	expect_demangled("put.isra.0", NULL);
	expect_demangled("_start", NULL);
	expect_demangled("_Zgarbage", NULL);
	expect_demangled("", NULL);
}

static void test_clone_start(void **state)
{
	(void)state;
	assert_int_equal(name_clone_start("put.isra.0"), 3);
	assert_int_equal(name_clone_start("work.cold"), 4);
	assert_int_equal(name_clone_start("f.constprop.0.isra.0"), 1);
	assert_int_equal(name_clone_start("helper.lto_priv.0"), 6);
	assert_int_equal(name_clone_start("f.llvm.4711"), 1);
	assert_int_equal(name_clone_start("put(int) [clone .isra.0]"), 8);
	assert_int_equal(name_clone_start("work() [clone .constprop.0] [clone .cold]"), 6);
	/* Go's dots and names with none. */
	assert_int_equal(name_clone_start("main.main"), 9);
	assert_int_equal(name_clone_start("runtime.mallocgc"), 16);
	assert_int_equal(name_clone_start("malloc"), 6);
	assert_int_equal(name_clone_start(".isra.0"), 7);
	assert_int_equal(name_clone_start("ns::f(int) [x]"), 14);
}

static void test_cold_part(void **state)
{
	(void)state;
	assert_true(name_is_cold_part("work.cold"));
	assert_true(name_is_cold_part("work.cold.2"));
	assert_true(name_is_cold_part("work() [clone .cold]"));
	assert_true(name_is_cold_part("work() [clone .isra.0] [clone .cold]"));
	assert_false(name_is_cold_part("work.isra.0"));
	assert_false(name_is_cold_part("work() [clone .isra.0]"));
	assert_false(name_is_cold_part("coldwork"));
	assert_false(name_is_cold_part("cold"));
}

static void expect_variant(const char *mangled, const char *want)
{
	char buf[32];
	const char *got = mangled_variant(mangled, buf, sizeof(buf));

	if (!want) {
		if (got)
			fail_msg("mangled_variant(\"%s\") = \"%s\", expected NULL", mangled, got);
		return;
	}
	if (!got)
		fail_msg("mangled_variant(\"%s\") = NULL, expected \"%s\"", mangled, want);
	assert_string_equal(got, want);
}

static void test_variant(void **state)
{
	(void)state;
	expect_variant("_ZN6shapes6CircleD0Ev", "D0");
	expect_variant("_ZN6shapes6CircleD1Ev", "D1");
	expect_variant("_ZN6shapes6CircleD2Ev", "D2");
	expect_variant("_ZN6shapes6CircleC1Ed", "C1");
	expect_variant("_ZN6shapes6CircleC2Ed", "C2");
	expect_variant("_ZN3app5twice17h6f7b9201ac4a1aebE", "h6f7b9201");
	expect_variant("_ZN3app5twice17h6f7b9201ac4a1aebE.llvm.99", "h6f7b9201");
	expect_variant("_ZTv0_n24_NSt9strstreamD0Ev", "D0");
	expect_variant("_ZThn16_N6shapes6CircleD1Ev", "D1");
	expect_variant("_ZN2ns5Cache3getEi", NULL);
	expect_variant("_RNvCscAEuU5ehQ2G_3app4main", NULL);
	expect_variant("main", NULL);
}

static void expect_split(const char *s, const char *ret, const char *name, const char *params,
			 const char *quals, const char *clones)
{
	struct name_parts p;

	name_split(s, &p);
	assert_true(p.name <= p.params && p.params <= p.quals && p.quals <= p.clones);
	assert_int_equal(p.clones + strlen(clones), strlen(s));
	if (strncmp(s, ret, p.name) || strlen(ret) != p.name)
		fail_msg("%s: return type %.*s, expected %s", s, (int)p.name, s, ret);
	if (strncmp(s + p.name, name, p.params - p.name) || strlen(name) != p.params - p.name)
		fail_msg("%s: name %.*s, expected %s", s, (int)(p.params - p.name), s + p.name,
			 name);
	if (strncmp(s + p.params, params, p.quals - p.params) ||
	    strlen(params) != p.quals - p.params)
		fail_msg("%s: params %.*s, expected %s", s, (int)(p.quals - p.params), s + p.params,
			 params);
	assert_int_equal(p.clones - p.quals, strlen(quals));
	assert_string_equal(s + p.clones, clones);
}

static void test_split(void **state)
{
	(void)state;
	expect_split("ns::Cache::get(int)", "", "ns::Cache::get", "(int)", "", "");
	expect_split("int ns::max<int>(int, int) const [clone .isra.0]", "int ", "ns::max<int>",
		     "(int, int)", " const", " [clone .isra.0]");
	expect_split("std::vector<int, std::allocator<int> > ns::f<int>(int)",
		     "std::vector<int, std::allocator<int> > ", "ns::f<int>", "(int)", "", "");
	expect_split("ns::Cache::operator()(int) const &&", "", "ns::Cache::operator()", "(int)",
		     " const &&", "");
	expect_split("ns::X::operator bool() const", "", "ns::X::operator bool", "()", " const",
		     "");
	expect_split("std::ostream& ns::operator<< <int>(std::ostream&, ns::V<int> const&)",
		     "std::ostream& ", "ns::operator<< <int>", "(std::ostream&, ns::V<int> const&)",
		     "", "");
	expect_split("(anonymous namespace)::helper(int)", "", "(anonymous namespace)::helper",
		     "(int)", "", "");
	expect_split("f()::{lambda(int, int)#1}::operator()(int, int) const", "",
		     "f()::{lambda(int, int)#1}::operator()", "(int, int)", " const", "");
	expect_split("app::store::Store::get", "", "app::store::Store::get", "", "", "");
	/* Rust's "->" inside generic arguments closes no bracket. */
	expect_split("app::apply::<fn(u32) -> u32, u8>", "", "app::apply::<fn(u32) -> u32, u8>", "",
		     "", "");
	expect_split("main", "", "main", "", "", "");
	expect_split("put.isra.0", "", "put", "", "", ".isra.0");
}

static void expect_base(const char *s, const char *want)
{
	char buf[256];

	assert_true(name_base(s, buf, sizeof(buf)));
	assert_string_equal(buf, want);
}

static void test_base(void **state)
{
	char tiny[8];

	(void)state;
	expect_base("shop::Cache<int>::get(int) const", "shop::Cache::get");
	expect_base("int ns::max<int>(int, int)", "ns::max");
	expect_base("shop::Cache<std::pair<int, int>, 4>::put(int) [clone .isra.0]",
		    "shop::Cache::put");
	expect_base("shop::Item::label[abi:cxx11]() const", "shop::Item::label");
	expect_base("ns::V<int>::operator<(ns::V<int> const&) const", "ns::V::operator<");
	expect_base("ns::operator<<(std::ostream&, int)", "ns::operator<<");
	expect_base("std::ostream& ns::operator<< <int>(std::ostream&, int)", "ns::operator<<");
	expect_base("ns::Cache::operator()(int)", "ns::Cache::operator()");
	expect_base("shapes::Circle::~Circle()", "shapes::Circle::~Circle");
	/* Rust: generic arguments and impl brackets. */
	expect_base("<app::store::Store>::get", "app::store::Store::get");
	expect_base("<app::Circle as app::shape::Shape>::area", "app::Circle::area");
	expect_base("<app::Stack<u32> as core::fmt::Debug>::fmt", "app::Stack::fmt");
	expect_base("<app::Stack<u32>>::push", "app::Stack::push");
	expect_base("app::twice::<u32>", "app::twice");
	expect_base("app::main::{closure#0}", "app::main::{closure#0}");
	expect_base("app::store::Store::get", "app::store::Store::get");
	assert_false(name_base("a_rather_long_name()", tiny, sizeof(tiny)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_demangle_cxx),
	    cmocka_unit_test(test_demangle_rust_legacy),
	    cmocka_unit_test(test_demangle_rust_v0),
	    cmocka_unit_test(test_demangle_not_mangled),
	    cmocka_unit_test(test_clone_start),
	    cmocka_unit_test(test_cold_part),
	    cmocka_unit_test(test_variant),
	    cmocka_unit_test(test_split),
	    cmocka_unit_test(test_base),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
