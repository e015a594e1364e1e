// SPDX-License-Identifier: GPL-2.0
/*
 * Which allocator an object is (user/mem/allocator.c), on the system's own
 * libraries: libc, jemalloc (libjemalloc-dev is a test dependency), and a
 * library that defines no malloc.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>
#include "mem/allocator.h"
#include "probe/elf_syms.h"

#define LIBDIR "/usr/lib/x86_64-linux-gnu/"

static struct syms *load(const char *path)
{
	struct syms *syms;
	int err;

	syms = syms__load(path, &err);
	assert_non_null(syms);
	return syms;
}

static void test_libc(void **state)
{
	struct syms *syms = load(LIBDIR "libc.so.6");

	(void)state;
	assert_string_equal(allocator_prefix_of(syms), "");
	assert_string_equal(allocator_name_of(syms), "libc");
	assert_true(allocator_defines(syms, "free"));
	assert_false(allocator_defines(syms, "_Znwm"));
	assert_false(allocator_defines(syms, "je_malloc"));
	syms__free(syms);
}

static void test_jemalloc(void **state)
{
	struct syms *syms;

	(void)state;
	if (access(LIBDIR "libjemalloc.so.2", R_OK))
		skip();
	syms = load(LIBDIR "libjemalloc.so.2");
	assert_string_equal(allocator_prefix_of(syms), "");
	assert_string_equal(allocator_name_of(syms), "jemalloc");
	assert_true(allocator_defines(syms, "_Znwm"));
	syms__free(syms);
}

static void test_not_an_allocator(void **state)
{
	struct syms *syms = load(LIBDIR "libm.so.6");

	(void)state;
	assert_null(allocator_prefix_of(syms));
	syms__free(syms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_libc),
	    cmocka_unit_test(test_jemalloc),
	    cmocka_unit_test(test_not_an_allocator),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
