// SPDX-License-Identifier: GPL-2.0
/*
 * The symbolizer (user/probe/symbolize.c) on child processes of this test: names
 * from a fork's maps, a late lookup after the child exited, a PID reused by
 * another program (clone3 with set_tid, which needs CAP_SYS_ADMIN: skipped
 * without), and a bounded number of remembered processes and objects.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "probe/symbolize.h"

__attribute__((noinline, used)) int symbolize_marker(int x)
{
	return x * 7 + 1;
}

/* A fork that waits to be killed: the same maps as this test. */
static pid_t fork_waiter(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	assert_true(pid > 0);
	return pid;
}

static void end_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static const char *name_of(struct symbolizer *s, pid_t pid, void *addr, char *buf, size_t len)
{
	return symbolizer__name(s, pid, (__u64)(uintptr_t)addr, buf, len);
}

static void test_names_a_fork_then_its_late_records(void **state)
{
	struct symbolizer *s = symbolizer__new();
	char buf[256];
	pid_t pid = fork_waiter();

	(void)state;
	assert_string_equal(name_of(s, pid, (char *)symbolize_marker + 1, buf, sizeof(buf)),
			    "symbolize_marker+0x1");
	end_child(pid);
	/* Gone and reaped, its PID free: a record that came late is still named. */
	assert_string_equal(name_of(s, pid, (char *)symbolize_marker + 2, buf, sizeof(buf)),
			    "symbolize_marker+0x2");
	symbolizer__free(s);
}

/* A child with PID pid (clone3 set_tid) running sleep: other maps. */
static pid_t spawn_sleep_as(pid_t pid)
{
	struct clone_args args = {
	    .exit_signal = SIGCHLD, .set_tid = (__u64)(uintptr_t)&pid, .set_tid_size = 1};
	char *argv[] = {"sleep", "10", NULL};
	char exe[64], link[256];
	long got = syscall(SYS_clone3, &args, sizeof(args));
	int i;

	if (got == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (got < 0)
		return -errno;
	/* Until it runs sleep, it still has this test's maps. */
	snprintf(exe, sizeof(exe), "/proc/%ld/exe", got);
	for (i = 0; i < 500; i++) {
		ssize_t n = readlink(exe, link, sizeof(link) - 1);

		if (n > 0 && (link[n] = '\0', strstr(link, "sleep")))
			break;
		usleep(10000);
	}
	return (pid_t)got;
}

static void test_reused_pid_gets_its_own_maps(void **state)
{
	struct symbolizer *s = symbolizer__new();
	char buf[256];
	pid_t pid = fork_waiter(), again;

	(void)state;
	assert_string_equal(name_of(s, pid, (char *)symbolize_marker + 1, buf, sizeof(buf)),
			    "symbolize_marker+0x1");
	end_child(pid);
	again = spawn_sleep_as(pid);
	if (again == -EPERM || again == -EEXIST || again == -ENOSYS) {
		symbolizer__free(s);
		skip();
	}
	assert_int_equal(again, pid);
	/* The same PID, another process: not the first child's maps. */
	assert_string_not_equal(name_of(s, pid, (char *)symbolize_marker + 1, buf, sizeof(buf)),
				"symbolize_marker+0x1");
	end_child(again);
	symbolizer__free(s);
}

static void test_bounded_over_many_processes(void **state)
{
	struct symbolizer *s = symbolizer__new();
	size_t objects, i;
	char buf[256];
	pid_t pids[100];

	(void)state;
	for (i = 0; i < 100; i++) {
		pids[i] = fork_waiter();
		assert_string_equal(
		    name_of(s, pids[i], (char *)symbolize_marker + 3, buf, sizeof(buf)),
		    "symbolize_marker+0x3");
		if (i == 0)
			objects = symbolizer__nr_objects(s);
		/* Every fork maps the same files: read once, shared. */
		assert_int_equal(symbolizer__nr_objects(s), objects);
		assert_true(symbolizer__nr_processes(s) <= 64);
		/* Half of them end at once: they are the first to be forgotten. */
		if (i % 2)
			end_child(pids[i]);
	}
	assert_int_equal(symbolizer__nr_processes(s), 64);
	/* The live ones are still known by name, even the first. */
	assert_string_equal(name_of(s, pids[98], (char *)symbolize_marker, buf, sizeof(buf)),
			    "symbolize_marker+0x0");
	assert_string_equal(name_of(s, pids[0], (char *)symbolize_marker, buf, sizeof(buf)),
			    "symbolize_marker+0x0");
	for (i = 0; i < 100; i += 2)
		end_child(pids[i]);
	symbolizer__free(s);
}

/* Frames are judged against the process's code: its functions are, its stack and
 * text read as an address are not, a process never seen cannot be judged. */
static void test_code_or_not(void **state)
{
	struct symbolizer *s = symbolizer__new();
	char local[16] = "not code";
	pid_t pid = fork_waiter();

	(void)state;
	assert_int_equal(symbolizer__is_code(s, pid, (__u64)(uintptr_t)symbolize_marker), 1);
	assert_int_equal(symbolizer__is_code(s, pid, (__u64)(uintptr_t)local), 0);
	assert_int_equal(symbolizer__is_code(s, pid, 0x766520726f662029ULL), 0);
	end_child(pid);
	/* Known before it went: still judged by its maps. */
	assert_int_equal(symbolizer__is_code(s, pid, (__u64)(uintptr_t)symbolize_marker), 1);
	symbolizer__forget(s, pid);
	assert_int_equal(symbolizer__is_code(s, pid, (__u64)(uintptr_t)symbolize_marker), -1);
	symbolizer__free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_a_fork_then_its_late_records),
	    cmocka_unit_test(test_reused_pid_gets_its_own_maps),
	    cmocka_unit_test(test_bounded_over_many_processes),
	    cmocka_unit_test(test_code_or_not),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
