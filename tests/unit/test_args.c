// SPDX-License-Identifier: GPL-2.0
/*
 * Argument errors: target options (user/core/target.c) and the options of
 * `sonde lat` and `sonde list`, which must fail with exit status 2 and a
 * message that says what was wrong, before anything is traced.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "cmd/cmd.h"
#include "core/target.h"
#include "core/util.h"
#include "fixture.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof(a[0])) - 1)

struct parse_call {
	struct target *t;
	int argc;
	char **argv;
	int *i;
};

static int call_parse(void *arg)
{
	struct parse_call *c = arg;

	return target_parse_arg(c->t, c->argc, c->argv, c->i);
}

/* target_parse_arg on argv[0], with what it printed in msg. */
static int parse_one(struct target *t, char **argv, int *i, char *msg, size_t len)
{
	struct parse_call c = { .t = t, .argv = argv, .i = i };

	while (argv[c.argc])
		c.argc++;
	return fx_capture_stderr(call_parse, &c, msg, len);
}

static void expect_target_error(char **argv, const char *message)
{
	struct target t;
	char msg[512];
	int i = 0;

	target_init(&t);
	assert_int_equal(parse_one(&t, argv, &i, msg, sizeof(msg)), -SONDE_EXIT_INPUT);
	if (!strstr(msg, message))
		fail_msg("'%s %s': message '%s' lacks '%s'", argv[0], argv[1] ? argv[1] : "", msg,
			 message);
	assert_int_equal(strncmp(msg, "sonde: ", 7), 0);
	assert_int_equal(t.nr_pids, 0);
	target_free(&t);
}

static void test_pid_ok(void **state)
{
	char *argv[] = { "-p", "123", "--pid", "456", "handle_*", NULL };
	struct target t;
	char msg[256];
	int i = 0;

	(void)state;
	target_init(&t);
	assert_int_equal(parse_one(&t, argv, &i, msg, sizeof(msg)), 1);
	assert_int_equal(i, 1);
	i++;
	assert_int_equal(parse_one(&t, argv, &i, msg, sizeof(msg)), 1);
	assert_int_equal(i, 3);
	i++;
	/* Not a target option: left alone. */
	assert_int_equal(parse_one(&t, argv, &i, msg, sizeof(msg)), 0);
	assert_int_equal(i, 4);
	assert_string_equal(msg, "");
	assert_int_equal(t.nr_pids, 2);
	assert_int_equal(t.pids[0], 123);
	assert_int_equal(t.pids[1], 456);
	assert_true(target_has_pids(&t));
	target_free(&t);
}

static void test_pid_errors(void **state)
{
	char *abc[] = { "-p", "abc", NULL }, *zero[] = { "-p", "0", NULL };
	char *neg[] = { "-p", "-5", NULL }, *junk[] = { "-p", "12x", NULL };
	char *big[] = { "-p", "99999999999", NULL }, *empty[] = { "-p", "", NULL };
	char *none[] = { "-p", NULL }, *lnone[] = { "--pid", NULL };

	(void)state;
	expect_target_error(abc, "-p 'abc' is not a process ID");
	expect_target_error(zero, "-p '0' is not a process ID");
	expect_target_error(neg, "-p '-5' is not a process ID");
	expect_target_error(junk, "-p '12x' is not a process ID");
	expect_target_error(big, "is not a process ID");
	expect_target_error(empty, "is not a process ID");
	expect_target_error(none, "-p needs a value");
	expect_target_error(lnone, "--pid needs a value");
}

static void test_too_many_pids(void **state)
{
	char *argv[] = { "-p", "42", NULL };
	struct target t;
	char msg[256];
	int i, n, ret = 0;

	(void)state;
	target_init(&t);
	for (n = 0; n < SONDE_MAX_PIDS; n++) {
		i = 0;
		assert_int_equal(parse_one(&t, argv, &i, msg, sizeof(msg)), 1);
	}
	i = 0;
	ret = parse_one(&t, argv, &i, msg, sizeof(msg));
	assert_int_equal(ret, -SONDE_EXIT_INPUT);
	assert_int_equal(t.nr_pids, SONDE_MAX_PIDS);
	assert_non_null(strstr(msg, "-b"));
	target_free(&t);
}

static void test_binary(void **state)
{
	char *argv[] = { "-b", "/usr/bin/mysvc", "--binary", "/usr/bin/other", NULL };
	char *none[] = { "-b", NULL };
	struct target t;
	char msg[256];
	int i = 0;

	(void)state;
	target_init(&t);
	assert_int_equal(parse_one(&t, argv, &i, msg, sizeof(msg)), 1);
	assert_int_equal(i, 1);
	assert_string_equal(t.binary, "/usr/bin/mysvc");
	assert_false(target_has_pids(&t));
	i = 2;
	assert_int_equal(parse_one(&t, argv, &i, msg, sizeof(msg)), -SONDE_EXIT_INPUT);
	assert_non_null(strstr(msg, "-b given twice"));
	assert_string_equal(t.binary, "/usr/bin/mysvc");
	target_free(&t);
	expect_target_error(none, "-b needs a value");
}

static void test_command(void **state)
{
	char *argv[] = { "--", "./mysvc", "--port", "8080", NULL };
	char *alone[] = { "--", NULL };
	struct target t;
	char msg[256];
	int i = 0;

	(void)state;
	target_init(&t);
	assert_int_equal(parse_one(&t, argv, &i, msg, sizeof(msg)), 1);
	assert_int_equal(i, ARGC(argv));
	assert_non_null(t.cmd);
	assert_string_equal(t.cmd[0], "./mysvc");
	assert_string_equal(t.cmd[1], "--port");
	assert_null(t.cmd[3]);
	target_free(&t);
	expect_target_error(alone, "'--' must be followed by a command");
}

/* ---- sonde lat / sonde list option errors ------------------------------ */

struct cmd_call {
	int (*cmd)(int, char **);
	char **argv;
};

static int call_cmd(void *arg)
{
	struct cmd_call *c = arg;
	int argc = 0;

	while (c->argv[argc])
		argc++;
	return c->cmd(argc, c->argv);
}

static void expect_cmd_error(int (*cmd)(int, char **), char **argv, const char *message)
{
	struct cmd_call c = { .cmd = cmd, .argv = argv };
	char msg[512];
	int status = fx_capture_stderr(call_cmd, &c, msg, sizeof(msg));

	if (status != SONDE_EXIT_INPUT || !strstr(msg, message))
		fail_msg("sonde %s %s %s: status %d, message '%s'; want 2 and '%s'", argv[0],
			 argv[1] ? argv[1] : "", argv[1] && argv[2] ? argv[2] : "", status, msg,
			 message);
	/* One line, starting "sonde: ". */
	assert_int_equal(strncmp(msg, "sonde: ", 7), 0);
	assert_int_equal(strchr(msg, '\n') - msg, strlen(msg) - 1);
}

/* PID 999999999 can never exist (pid_max is at most 2^22), so nothing is traced. */
#define NO_PID "999999999"

static void test_lat_duration_errors(void **state)
{
	char *bad_d[] = { "lat", "-d", "5x", "f", "-p", NO_PID, NULL };
	char *zero_d[] = { "lat", "f", "-d", "0", "-p", NO_PID, NULL };
	char *neg_d[] = { "lat", "f", "-d", "-1s", "-p", NO_PID, NULL };
	char *unit_d[] = { "lat", "f", "-d", "ms", "-p", NO_PID, NULL };
	char *end_d[] = { "lat", "f", "-p", NO_PID, "-d", NULL };
	char *bad_i[] = { "lat", "f", "-i", "abc", "-p", NO_PID, NULL };
	char *zero_i[] = { "lat", "f", "-i", "0ms", "-p", NO_PID, NULL };

	(void)state;
	expect_cmd_error(cmd_lat, bad_d, "-d '5x' is not a duration");
	expect_cmd_error(cmd_lat, zero_d, "-d '0' is not a duration");
	expect_cmd_error(cmd_lat, neg_d, "-d '-1s' is not a duration");
	expect_cmd_error(cmd_lat, unit_d, "-d 'ms' is not a duration");
	expect_cmd_error(cmd_lat, end_d, "-d needs a value");
	expect_cmd_error(cmd_lat, bad_i, "-i 'abc' is not a duration");
	expect_cmd_error(cmd_lat, zero_i, "-i '0ms' is not a duration");
}

static void test_lat_option_errors(void **state)
{
	char *unknown[] = { "lat", "f", "--bogus", "-p", NO_PID, NULL };
	char *no_probe[] = { "lat", "-p", NO_PID, NULL };
	char *bad_probe[] = { "lat", "libc:", "-p", NO_PID, NULL };
	char *colon[] = { "lat", ":", "-p", NO_PID, NULL };
	char *bad_pid[] = { "lat", "f", "-p", "abc", NULL };
	char *zero_pid[] = { "lat", "f", "-p", "0", NULL };
	char *no_pid[] = { "lat", "f", "-p", NULL };
	char *max0[] = { "lat", "f", "--max-probes", "0", "-p", NO_PID, NULL };
	char *maxabc[] = { "lat", "f", "--max-probes", "abc", "-p", NO_PID, NULL };

	(void)state;
	expect_cmd_error(cmd_lat, unknown, "unknown option '--bogus'");
	expect_cmd_error(cmd_lat, no_probe, "no PROBE given");
	expect_cmd_error(cmd_lat, bad_probe, "bad probe 'libc:'");
	expect_cmd_error(cmd_lat, colon, "bad probe ':'");
	expect_cmd_error(cmd_lat, bad_pid, "-p 'abc' is not a process ID");
	expect_cmd_error(cmd_lat, zero_pid, "-p '0' is not a process ID");
	expect_cmd_error(cmd_lat, no_pid, "-p needs a value");
	expect_cmd_error(cmd_lat, max0, "--max-probes '0' is not a positive number");
	expect_cmd_error(cmd_lat, maxabc, "--max-probes 'abc' is not a positive number");
}

/* strtoul() takes "-5" as 2^64 - 5: a negative count must be refused too. */
static void test_lat_max_probes_negative(void **state)
{
	char *maxneg[] = { "lat", "f", "--max-probes", "-5", "-p", NO_PID, NULL };

	(void)state;
	expect_cmd_error(cmd_lat, maxneg, "--max-probes '-5' is not a positive number");
}

static void test_lat_missing_pid(void **state)
{
	char *argv[] = { "lat", "f", "-p", NO_PID, NULL };

	(void)state;
	if (geteuid() != 0)
		skip(); /* not root: the privilege check comes first */
	expect_cmd_error(cmd_lat, argv, "no process with PID " NO_PID);
}

static void test_list_errors(void **state)
{
	char *bad_pid[] = { "list", "-p", "abc", NULL };
	char *unknown[] = { "list", "--bogus", "-p", NO_PID, NULL };
	char *bad_pattern[] = { "list", "libc:", "-p", NO_PID, NULL };

	(void)state;
	expect_cmd_error(cmd_list, bad_pid, "-p 'abc' is not a process ID");
	expect_cmd_error(cmd_list, unknown, "unknown option '--bogus'");
	expect_cmd_error(cmd_list, bad_pattern, "bad pattern 'libc:'");
}

/* A missing value's advice names the command parsed (t->command); lat by default. */
static void test_target_advice_names_command(void **state)
{
	char *none[] = { "-p", NULL }, *bnone[] = { "-b", NULL };
	char *no_pid[] = { "lat", "f", "-p", NULL };
	struct target t;
	char msg[512];
	int i = 0;

	(void)state;
	target_init(&t);
	t.command = "mem";
	assert_int_equal(parse_one(&t, none, &i, msg, sizeof(msg)), -SONDE_EXIT_INPUT);
	assert_non_null(strstr(msg, "sonde: -p needs a value (try: sonde mem --help)"));
	t.command = "list";
	i = 0;
	assert_int_equal(parse_one(&t, bnone, &i, msg, sizeof(msg)), -SONDE_EXIT_INPUT);
	assert_non_null(strstr(msg, "sonde: -b needs a value (try: sonde list --help)"));
	target_free(&t);
	expect_target_error(none, "-p needs a value (try: sonde lat --help)");
	expect_cmd_error(cmd_lat, no_pid, "-p needs a value (try: sonde lat --help)");
}

/* Not root: status 3 and the command to run, checked in a child that drops root. */
static void test_lat_needs_root(void **state)
{
	char *argv[] = { "lat", "f", "-p", NO_PID, NULL };
	struct cmd_call c = { .cmd = cmd_lat, .argv = argv };
	char msg[512];
	int status, ret;
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(200);
		ret = fx_capture_stderr(call_cmd, &c, msg, sizeof(msg));
		_exit(strstr(msg, "sudo") ? ret : 100 + ret);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 200)
		skip();
	assert_int_equal(WEXITSTATUS(status), SONDE_EXIT_SYSTEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pid_ok),
		cmocka_unit_test(test_pid_errors),
		cmocka_unit_test(test_too_many_pids),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_lat_duration_errors),
		cmocka_unit_test(test_lat_option_errors),
		cmocka_unit_test(test_lat_max_probes_negative),
		cmocka_unit_test(test_lat_missing_pid),
		cmocka_unit_test(test_list_errors),
		cmocka_unit_test(test_target_advice_names_command),
		cmocka_unit_test(test_lat_needs_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
