// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/exec_follow.h"
#include "core/exit_watch.h"
#include "core/target_priv.h"
#include "core/util.h"

void target_init(struct target *t)
{
	int i;

	memset(t, 0, sizeof(*t));
	t->hold_fd = -1;
	t->guard_fd = -1;
	for (i = 0; i < SONDE_MAX_PIDS; i++)
		t->pidfds[i] = -1;
}

int target_parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > INT_MAX)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

int target_parse_arg(struct target *t, int argc, char **argv, int *i)
{
	const char *opt = argv[*i];
	pid_t pid;

	if (!strcmp(opt, "--")) {
		if (*i + 1 >= argc)
			return sonde_fail(SONDE_EXIT_INPUT,
					  "'--' must be followed by a command to run");
		t->cmd = &argv[*i + 1];
		*i = argc;
		return 1;
	}
	if (strcmp(opt, "-p") && strcmp(opt, "--pid") && strcmp(opt, "-b") &&
	    strcmp(opt, "--binary") && strcmp(opt, "--ns"))
		return 0;
	if (*i + 1 >= argc)
		return sonde_fail(SONDE_EXIT_INPUT, "%s needs a value (try: sonde %s --help)",
				  opt, t->command ? t->command : "lat");
	(*i)++;
	if (!strcmp(opt, "--ns")) {
		if (target_parse_pid(argv[*i], &pid))
			return sonde_fail(SONDE_EXIT_INPUT,
					  "--ns '%s' is not a process ID (try: --ns $(pidof NAME))",
					  argv[*i]);
		t->ns_pid = pid;
		return 1;
	}
	if (opt[1] == 'b' || !strcmp(opt, "--binary")) {
		if (t->binary)
			return sonde_fail(SONDE_EXIT_INPUT,
					  "-b given twice; trace one binary per run");
		t->binary = argv[*i];
		return 1;
	}
	if (target_parse_pid(argv[*i], &pid))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "-p '%s' is not a process ID (try: -p $(pidof NAME))", argv[*i]);
	if (t->nr_pids == SONDE_MAX_PIDS)
		return sonde_fail(SONDE_EXIT_INPUT, "at most %d -p options; use -b BINARY for more",
				  SONDE_MAX_PIDS);
	t->pids[t->nr_pids++] = pid;
	return 1;
}

/*
 * A process that exits between its pidfd and its /proc/PID/exe (a zombie has
 * no exe): said as what it is, not as an unreadable link. The failure's code
 * when it has exited (its pidfd is readable), else 0.
 */
static int exited_meanwhile(int pidfd, pid_t pid)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};

	if (pidfd < 0 || poll(&p, 1, 0) != 1)
		return 0;
	return sonde_fail(SONDE_EXIT_SYSTEM, "process %d exited before it could be traced", pid);
}

static int prepare_pids(struct target *t)
{
	char link[64], exe[PATH_MAX];
	struct stat first, st, named;
	pid_t pid, task;
	ssize_t n;
	int i;

	for (i = 0; i < t->nr_pids; i++) {
		pid = t->pids[i];
		t->pidfds[i] = (int)syscall(SYS_pidfd_open, pid, 0);
		if (t->pidfds[i] < 0 && errno == ESRCH)
			return sonde_fail(SONDE_EXIT_INPUT,
					  "no process with PID %d (find it with: pgrep -a NAME)",
					  pid);
		/* Its main thread may have exited: another thread shows the program. */
		task = proc_live_task(pid);
		snprintf(link, sizeof(link), "/proc/%d/exe", task);
		if (stat(link, &st))
			return exited_meanwhile(t->pidfds[i], pid)
				   ?: sonde_fail(SONDE_EXIT_SYSTEM,
						 "cannot read %s: %s (is it a kernel thread?)", link,
						 strerror(errno));
		if (i == 0) {
			first = st;
			n = readlink(link, exe, sizeof(exe) - 1);
			if (n <= 0)
				return exited_meanwhile(t->pidfds[i], pid)
					   ?: sonde_fail(SONDE_EXIT_SYSTEM, "cannot read %s: %s",
							 link, strerror(errno));
			exe[n] = '\0';
			proc_root_path(task, exe, t->exe, sizeof(t->exe));
			/* Deleted or replaced since it started ("/usr/bin/x (deleted)", or
			 * another file at that path now): the magic link still opens it. */
			if (stat(t->exe, &named) || named.st_dev != st.st_dev ||
			    named.st_ino != st.st_ino) {
				snprintf(t->exe, sizeof(t->exe), "%s", link);
				target_remember_shown(link, exe);
			}
		} else if (st.st_dev != first.st_dev || st.st_ino != first.st_ino) {
			return sonde_fail(SONDE_EXIT_INPUT,
					  "PIDs %d and %d run different programs; trace each in "
					  "its own sonde run",
					  t->pids[0], pid);
		}
	}
	return 0;
}

/*
 * -p X -p X, or a process and one of its threads: each link would run every
 * probe once more, and the calls would read as entries without a return
 * (missed_return) and returns without an entry (orphan_return). Each process
 * is traced once, by its process ID, with a note.
 */
static pid_t tgid_of(pid_t tid)
{
	char path[64], line[128];
	pid_t tgid = tid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return tid; /* not there: prepare_pids says so */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid > 0 ? tgid : tid;
}

static void merge_pids(struct target *t)
{
	int i, j, n = 0;
	pid_t tgid;

	for (i = 0; i < t->nr_pids; i++) {
		tgid = tgid_of(t->pids[i]);
		for (j = 0; j < n && t->pids[j] != tgid; j++)
			;
		if (tgid != t->pids[i])
			sonde_say("note: %d is a thread of process %d: tracing the process%s",
				  t->pids[i], tgid, j < n ? ", given already (traced once)" : "");
		else if (j < n)
			sonde_say("note: process %d is given more than once: traced once", tgid);
		if (j == n)
			t->pids[n++] = tgid;
	}
	t->nr_pids = n;
}

int target_prepare(struct target *t)
{
	int kinds = (t->nr_pids > 0) + (t->binary != NULL) + (t->cmd != NULL), err;

	if (kinds == 0)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "no target: give -p PID, -b BINARY or -- CMD ARGS...");
	if (kinds > 1)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "give one kind of target: -p PID, -b BINARY or -- CMD");
	if (t->resolve_only && t->cmd && !t->binary)
		t->binary = t->cmd[0];
	err = target_prepare_ns(t);
	if (err)
		return err;
	if (t->nr_pids) {
		merge_pids(t);
		return prepare_pids(t);
	}
	if (t->binary)
		return target_prepare_binary(t);
	return target_prepare_cmd(t);
}

int target_release(struct target *t)
{
	int err = 0;

	if (t->nr_pids && !t->child_started) {
		err = exit_watch__open(t->pids, t->nr_pids, &t->exit_watch);
		if (err)
			sonde_info("cannot watch how the processes end (%s): an exit is said "
				   "without its status",
				   strerror(-err));
		return 0;
	}
	return target_release_cmd(t);
}

bool target_has_pids(const struct target *t)
{
	return t->nr_pids > 0;
}

bool target_all_exited(struct target *t)
{
	int i, alive = 0;

	if (!t->nr_pids)
		return false;
	for (i = 0; i < t->nr_pids; i++) {
		struct pollfd p = {.fd = t->pidfds[i], .events = POLLIN};

		if (t->exited[i])
			continue;
		if (t->pidfds[i] < 0)
			t->exited[i] = kill(t->pids[i], 0) && errno == ESRCH;
		else
			t->exited[i] = poll(&p, 1, 0) > 0;
		if (t->exited[i] && t->pidfds[i] >= 0 && !t->child_started) {
			/* Closed so that the wait loop stops polling it. */
			close(t->pidfds[i]);
			t->pidfds[i] = -1;
		}
		alive += !t->exited[i];
	}
	return alive == 0;
}

void target_abort(struct target *t)
{
	target_abort_cmd(t);
}

void target_free(struct target *t)
{
	int i;

	target_abort(t);
	/* Still running (the run failed half-way): the command ends with sonde and
	 * is reaped, not left to init. */
	if (t->child_started && !t->reaped) {
		target_stop_cmd(t, NULL);
		waitpid(t->cmd_pid, NULL, 0);
		t->reaped = true;
	}
	target_end_guard(t);
	exit_watch__close(t->exit_watch);
	t->exit_watch = NULL;
	for (i = 0; i < SONDE_MAX_PIDS; i++)
		if (t->pidfds[i] >= 0)
			close(t->pidfds[i]);
}

pid_t target_attach_pid(const struct target *t, int i)
{
	return proc_live_task(t->pids[i]) == t->pids[i] ? t->pids[i] : -1;
}

pid_t target_tgid_filter(const struct target *t)
{
	int i;

	for (i = 0; i < t->nr_pids; i++)
		if (target_attach_pid(t, i) < 0)
			return t->pids[i];
	return 0;
}

unsigned long long target_binary_ino(const struct target *t)
{
	struct stat st;

	return t->binary && !stat(t->exe, &st) ? st.st_ino : 0;
}
