// SPDX-License-Identifier: GPL-2.0
/*
 * Targets as operators name them (user/core/target.c): --ns PID parsed and
 * checked, and -p given the same process twice, or a process and one of its
 * threads, traced once with a note. The processes are this test's own.
 * And main_match (user/probe/main_match.c): which program of a wrapper's chain is
 * the one the PROBEs are for.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include "probe/main_match.h"
#include "core/target.h"
#include "core/util.h"
#include "fixture.h"

struct call {
	struct target *t;
	char **argv;
	int argc;
	int *i;
};

static int call_parse(void *arg)
{
	struct call *c = arg;

	return target_parse_arg(c->t, c->argc, c->argv, c->i);
}

static int call_prepare(void *arg)
{
	return target_prepare(((struct call *)arg)->t);
}

/* Every option of argv parsed into t, with what was printed in msg. */
static int parse_all(struct target *t, char **argv, char *msg, size_t len)
{
	struct call c = {.t = t, .argv = argv};
	int i, ret = 0;

	while (argv[c.argc])
		c.argc++;
	for (i = 0, c.i = &i; i < c.argc && ret >= 0; i++)
		ret = fx_capture_stderr(call_parse, &c, msg, len);
	return ret;
}

static void test_ns_parsed(void **state)
{
	char *argv[] = {"--ns", "4242", "-b", "/usr/bin/app", NULL};
	struct target t;
	char msg[256];

	(void)state;
	target_init(&t);
	assert_int_equal(parse_all(&t, argv, msg, sizeof(msg)), 1);
	assert_int_equal(t.ns_pid, 4242);
	assert_string_equal(t.binary, "/usr/bin/app");
	target_free(&t);
}

static void test_ns_errors(void **state)
{
	char *bad[] = {"--ns", "x1", NULL}, *none[] = {"--ns", NULL};
	struct target t;
	char msg[256];

	(void)state;
	target_init(&t);
	assert_int_equal(parse_all(&t, bad, msg, sizeof(msg)), -SONDE_EXIT_INPUT);
	assert_non_null(strstr(msg, "--ns 'x1' is not a process ID"));
	assert_int_equal(parse_all(&t, none, msg, sizeof(msg)), -SONDE_EXIT_INPUT);
	assert_non_null(strstr(msg, "--ns needs a value"));
	target_free(&t);
}

/* --ns goes with -b, and names a process that exists. */
static void test_ns_needs_binary_and_process(void **state)
{
	char self[16], *with_pid[] = {"--ns", self, "-p", self, NULL};
	char *gone[] = {"--ns", "999999999", "-b", "/bin/true", NULL};
	struct call c;
	struct target t;
	char msg[512];

	(void)state;
	snprintf(self, sizeof(self), "%d", getpid());
	target_init(&t);
	assert_int_equal(parse_all(&t, with_pid, msg, sizeof(msg)), 1);
	c = (struct call){.t = &t};
	assert_int_equal(fx_capture_stderr(call_prepare, &c, msg, sizeof(msg)), -SONDE_EXIT_INPUT);
	assert_non_null(strstr(msg, "--ns PID goes with -b PATH"));
	target_free(&t);

	target_init(&t);
	assert_int_equal(parse_all(&t, gone, msg, sizeof(msg)), 1);
	c = (struct call){.t = &t};
	assert_int_equal(fx_capture_stderr(call_prepare, &c, msg, sizeof(msg)), -SONDE_EXIT_INPUT);
	assert_non_null(strstr(msg, "--ns 999999999: no such process"));
	target_free(&t);
}

/* --ns with our own PID: its root is ours, and the path is found through it. */
static void test_ns_finds_binary(void **state)
{
	char self[16], want[64], *argv[] = {"--ns", self, "-b", "/bin/sh", NULL};
	struct call c;
	struct target t;
	char msg[512];

	(void)state;
	snprintf(self, sizeof(self), "%d", getpid());
	snprintf(want, sizeof(want), "/proc/%d/root/bin/sh", getpid());
	target_init(&t);
	assert_int_equal(parse_all(&t, argv, msg, sizeof(msg)), 1);
	c = (struct call){.t = &t};
	assert_int_equal(fx_capture_stderr(call_prepare, &c, msg, sizeof(msg)), 0);
	assert_string_equal(t.exe, want);
	target_free(&t);
}

static void test_same_pid_twice(void **state)
{
	char self[16], *argv[] = {"-p", self, "-p", self, NULL};
	struct call c;
	struct target t;
	char msg[512], want[128];

	(void)state;
	snprintf(self, sizeof(self), "%d", getpid());
	target_init(&t);
	assert_int_equal(parse_all(&t, argv, msg, sizeof(msg)), 1);
	assert_int_equal(t.nr_pids, 2);
	c = (struct call){.t = &t};
	assert_int_equal(fx_capture_stderr(call_prepare, &c, msg, sizeof(msg)), 0);
	assert_int_equal(t.nr_pids, 1);
	assert_int_equal(t.pids[0], getpid());
	snprintf(want, sizeof(want), "sonde: note: process %d is given more than once: traced once",
		 getpid());
	assert_non_null(strstr(msg, want));
	target_free(&t);
}

static pthread_mutex_t hold = PTHREAD_MUTEX_INITIALIZER;
static pid_t thread_tid;

static void *thread_main(void *arg)
{
	(void)arg;
	thread_tid = gettid();
	pthread_mutex_lock(&hold); /* until the test is done with this thread */
	pthread_mutex_unlock(&hold);
	return NULL;
}

/* A thread ID, then its process's: one process, traced by its process ID. */
static void test_thread_id_merged(void **state)
{
	char tid[16], self[16], *argv[] = {"-p", tid, "-p", self, NULL};
	struct call c;
	struct target t;
	char msg[512], want[160];
	pthread_t th;

	(void)state;
	pthread_mutex_lock(&hold);
	assert_int_equal(pthread_create(&th, NULL, thread_main, NULL), 0);
	while (!__atomic_load_n(&thread_tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	snprintf(tid, sizeof(tid), "%d", thread_tid);
	snprintf(self, sizeof(self), "%d", getpid());
	target_init(&t);
	assert_int_equal(parse_all(&t, argv, msg, sizeof(msg)), 1);
	c = (struct call){.t = &t};
	assert_int_equal(fx_capture_stderr(call_prepare, &c, msg, sizeof(msg)), 0);
	assert_int_equal(t.nr_pids, 1);
	assert_int_equal(t.pids[0], getpid());
	snprintf(want, sizeof(want),
		 "sonde: note: %d is a thread of process %d: tracing the process", thread_tid,
		 getpid());
	assert_non_null(strstr(msg, want));
	snprintf(want, sizeof(want), "process %d is given more than once", getpid());
	assert_non_null(strstr(msg, want));
	target_free(&t);
	pthread_mutex_unlock(&hold);
	pthread_join(th, NULL);
}

__attribute__((noinline, used)) int main_match_probe_me(int x)
{
	return x * 3;
}

static bool is_main_of(const char *path, const char *object, const char *glob)
{
	struct probe_spec spec = {.object = (char *)object, .glob = (char *)glob};
	struct main_match m;
	struct target_match tm = main_match_init(&m, &spec, 1);

	return tm.is_main(path, tm.ctx);
}

static void test_main_match(void **state)
{
	struct probe_spec specs[] = {{.glob = "main_match_probe_*"},
				     {.glob = "test_ns_*"},
				     {.object = "libc", .glob = "malloc"}};
	struct main_match m;
	struct target_match tm = main_match_init(&m, specs, 3);
	char script[] = "/tmp/sonde-test-script-XXXXXX";
	int fd;

	(void)state;
	assert_string_equal(tm.what, "'main_match_probe_*', 'test_ns_*'");
	assert_true(tm.is_main("/proc/self/exe", tm.ctx));
	assert_false(is_main_of("/proc/self/exe", NULL, "no_such_function_here"));
	/* Only PROBEs with an OBJECT: any program is the one (the command's first). */
	assert_true(is_main_of("/bin/sh", "libc", "malloc"));
	/* Every PROBE without an OBJECT must match: not /bin/sh, which has neither. */
	assert_false(tm.is_main("/bin/sh", tm.ctx));
	fd = mkstemp(script);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	assert_false(is_main_of(script, NULL, "*"));
	unlink(script);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ns_parsed),
	    cmocka_unit_test(test_ns_errors),
	    cmocka_unit_test(test_ns_needs_binary_and_process),
	    cmocka_unit_test(test_ns_finds_binary),
	    cmocka_unit_test(test_same_pid_twice),
	    cmocka_unit_test(test_thread_id_merged),
	    cmocka_unit_test(test_main_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
