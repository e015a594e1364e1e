// SPDX-License-Identifier: GPL-2.0
/* Reading the kernel's preemption model (user/core/preempt_model.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include "core/preempt_model.h"

static void test_debugfs(void **state)
{
	(void)state;
	assert_int_equal(preempt_model_from_debugfs("none (voluntary) full lazy\n"),
			 PREEMPT_MODEL_VOLUNTARY);
	assert_int_equal(preempt_model_from_debugfs("(none) voluntary full\n"), PREEMPT_MODEL_NONE);
	assert_int_equal(preempt_model_from_debugfs("none voluntary full (lazy)\n"),
			 PREEMPT_MODEL_LAZY);
	assert_int_equal(preempt_model_from_debugfs("none voluntary (full)"), PREEMPT_MODEL_FULL);
	assert_int_equal(preempt_model_from_debugfs("none voluntary full"), PREEMPT_MODEL_UNKNOWN);
	assert_int_equal(preempt_model_from_debugfs("(fully) none"), PREEMPT_MODEL_UNKNOWN);
	assert_int_equal(preempt_model_from_debugfs("(none"), PREEMPT_MODEL_UNKNOWN);
}

static void test_cmdline(void **state)
{
	(void)state;
	assert_int_equal(preempt_model_from_cmdline("ro quiet preempt=full\n"), PREEMPT_MODEL_FULL);
	assert_int_equal(preempt_model_from_cmdline("preempt=none root=/dev/vda"),
			 PREEMPT_MODEL_NONE);
	/* The last one given wins, as the kernel parses them in order. */
	assert_int_equal(preempt_model_from_cmdline("preempt=full preempt=voluntary"),
			 PREEMPT_MODEL_VOLUNTARY);
	assert_int_equal(preempt_model_from_cmdline("quiet splash\n"), PREEMPT_MODEL_UNKNOWN);
	/* Words after "--" go to init. */
	assert_int_equal(preempt_model_from_cmdline("quiet -- preempt=none"),
			 PREEMPT_MODEL_UNKNOWN);
	/* Not the parameter, only a word that starts like it. */
	assert_int_equal(preempt_model_from_cmdline("xpreempt=none"), PREEMPT_MODEL_UNKNOWN);
	assert_int_equal(preempt_model_from_cmdline("preempt="), PREEMPT_MODEL_UNKNOWN);
	assert_int_equal(preempt_model_from_cmdline(""), PREEMPT_MODEL_UNKNOWN);
}

static void test_config(void **state)
{
	(void)state;
	/* This machine's: the choice is none, while PREEMPT_BUILD, PREEMPTION and
	 * PREEMPT_DYNAMIC are =y too. */
	assert_int_equal(preempt_model_from_config("CONFIG_PREEMPT_BUILD=y\n"
						   "CONFIG_PREEMPT_NONE=y\n"
						   "# CONFIG_PREEMPT_VOLUNTARY is not set\n"
						   "# CONFIG_PREEMPT is not set\n"
						   "# CONFIG_PREEMPT_LAZY is not set\n"
						   "CONFIG_PREEMPT_COUNT=y\n"
						   "CONFIG_PREEMPTION=y\n"
						   "CONFIG_PREEMPT_DYNAMIC=y\n"),
			 PREEMPT_MODEL_NONE);
	assert_int_equal(preempt_model_from_config("CONFIG_PREEMPT_VOLUNTARY=y\n"
						   "CONFIG_PREEMPT_DYNAMIC=y\n"),
			 PREEMPT_MODEL_VOLUNTARY);
	assert_int_equal(preempt_model_from_config("CONFIG_PREEMPT_COUNT=y\nCONFIG_PREEMPT=y\n"),
			 PREEMPT_MODEL_FULL);
	assert_int_equal(preempt_model_from_config("CONFIG_PREEMPT=y"), PREEMPT_MODEL_FULL);
	assert_int_equal(preempt_model_from_config("CONFIG_PREEMPT_LAZY=y\n"), PREEMPT_MODEL_LAZY);
	assert_int_equal(preempt_model_from_config("CONFIG_PREEMPT=y\nCONFIG_PREEMPT_RT=y\n"),
			 PREEMPT_MODEL_RT);
	/* "=m" or a commented-out line is not a choice. */
	assert_int_equal(preempt_model_from_config("# CONFIG_PREEMPT_NONE=y\n"),
			 PREEMPT_MODEL_UNKNOWN);
	assert_int_equal(preempt_model_from_config("CONFIG_PREEMPT_NONE=yes\n"),
			 PREEMPT_MODEL_UNKNOWN);
	assert_int_equal(preempt_model_from_config(""), PREEMPT_MODEL_UNKNOWN);
}

static void test_uname(void **state)
{
	bool dynamic;

	(void)state;
	assert_int_equal(preempt_model_from_uname("#1 SMP PREEMPT_DYNAMIC @0", &dynamic),
			 PREEMPT_MODEL_UNKNOWN);
	assert_true(dynamic);
	assert_int_equal(preempt_model_from_uname("#1 SMP PREEMPT_RT Debian 6.1.112-1", &dynamic),
			 PREEMPT_MODEL_RT);
	assert_false(dynamic);
	assert_int_equal(preempt_model_from_uname("#1 SMP PREEMPT Thu Jan 1", &dynamic),
			 PREEMPT_MODEL_FULL);
	assert_int_equal(preempt_model_from_uname("#1 SMP PREEMPT_LAZY", &dynamic),
			 PREEMPT_MODEL_LAZY);
	assert_int_equal(preempt_model_from_uname("#1 SMP Debian 5.10.218-1", &dynamic),
			 PREEMPT_MODEL_VOLUNTARY);
	assert_false(dynamic);
}

static void test_what_preempts_bpf(void **state)
{
	(void)state;
	assert_false(preempt_model_preempts_bpf(PREEMPT_MODEL_NONE));
	assert_false(preempt_model_preempts_bpf(PREEMPT_MODEL_VOLUNTARY));
	assert_true(preempt_model_preempts_bpf(PREEMPT_MODEL_FULL));
	assert_true(preempt_model_preempts_bpf(PREEMPT_MODEL_LAZY));
	assert_true(preempt_model_preempts_bpf(PREEMPT_MODEL_RT));
	/* Not knowing is taken as the careful answer. */
	assert_true(preempt_model_preempts_bpf(PREEMPT_MODEL_UNKNOWN));
	assert_string_equal(preempt_model_name(PREEMPT_MODEL_LAZY), "lazy");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_debugfs),
	    cmocka_unit_test(test_cmdline),
	    cmocka_unit_test(test_config),
	    cmocka_unit_test(test_uname),
	    cmocka_unit_test(test_what_preempts_bpf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
