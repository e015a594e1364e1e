// SPDX-License-Identifier: GPL-2.0
/* How a traced target ended, said on stderr, and ending a command sonde started. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/exit_watch.h"
#include "core/target.h"
#include "core/util.h"

/* How long a command sonde started has to exit after SIGTERM, before SIGKILL. */
#define TARGET_STOP_GRACE_NS 2000000000ULL

/* "exited with status 7", "was killed by SIGSEGV (Segmentation fault) (core dumped)" */
static const char *describe_status(int status, char *buf, size_t len)
{
	const char *abbrev, *descr;
	int sig;

	if (WIFEXITED(status)) {
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
		return buf;
	}
	if (!WIFSIGNALED(status)) {
		snprintf(buf, len, "ended (wait status 0x%x)", (unsigned int)status);
		return buf;
	}
	sig = WTERMSIG(status);
	abbrev = sigabbrev_np(sig);
	descr = sigdescr_np(sig);
	if (abbrev)
		snprintf(buf, len, "was killed by SIG%s (%s)%s", abbrev, descr ? descr : "?",
			 WCOREDUMP(status) ? " (core dumped)" : "");
	else
		snprintf(buf, len, "was killed by signal %d%s", sig,
			 WCOREDUMP(status) ? " (core dumped)" : "");
	return buf;
}

/*
 * Said once, as soon as it happens: a fork of a -p process inherits its
 * breakpoints (bpf/exits.bpf.c), is slowed by them and is not counted.
 */
static void say_forks(struct target *t)
{
	pid_t from = 0;

	if (t->said_forks || !exit_watch__forks(t->exit_watch, &from))
		return;
	t->said_forks = true;
	fprintf(stderr,
		"sonde: note: process %d forked while traced: the new process inherits its "
		"probes until it execs, pays for every hit and is not counted (to trace every "
		"process of the program, use -b BINARY)\n",
		from);
}

void target_say_exits(struct target *t)
{
	char how[128];
	int i, status;

	/* -- CMD: said after the final report (target_report_end). -b has no pids:
	 * processes come and go there, and saying each would flood. */
	if (t->child_started)
		return;
	say_forks(t);
	for (i = 0; i < t->nr_pids; i++) {
		if (!t->exited[i] || t->said[i])
			continue;
		t->said[i] = true;
		if (exit_watch__status(t->exit_watch, t->pids[i], &status)) {
			fprintf(stderr, "sonde: process %d exited\n", t->pids[i]);
			continue;
		}
		fprintf(stderr, "sonde: process %d %s\n", t->pids[i],
			describe_status(status, how, sizeof(how)));
		t->pid_killed |= WIFSIGNALED(status);
	}
}

/* The command ended after sonde began to stop it: a note, not an error. */
static void say_stopped(const struct target *t, int status)
{
	char how[128];
	bool own = WIFSIGNALED(status) && WTERMSIG(status) == t->stop_signal;

	describe_status(status, how, sizeof(how));
	/* Not sonde's signal: Ctrl-C at the terminal, or whatever stopped sonde too. */
	if (!t->stop_signal || (WIFSIGNALED(status) && !own)) {
		fprintf(stderr, "sonde: the command ended with the trace: it %s\n", how);
		return;
	}
	fprintf(stderr, "sonde: stopped the command with %s%s%s%s\n",
		t->stop_signal == SIGKILL ? "SIGKILL" : "SIGTERM",
		t->stop_signal != SIGKILL ? ""
		: t->stop_hurried	  ? " (a second Ctrl-C or SIGTERM)"
					  : " (still running 2 s after SIGTERM)",
		own ? "" : "; it ", own ? "" : how);
}

static int report_cmd_end(struct target *t)
{
	char how[128];
	int status, sig;

	/* Followed through a wrapper, it may have ended (reaped) before its trace began. */
	if (t->cmd_ended)
		status = t->cmd_status;
	while (!t->cmd_ended && waitpid(t->cmd_pid, &status, 0) < 0) {
		if (errno == EINTR)
			continue;
		fprintf(stderr, "sonde: cannot tell how the command ended: %s\n", strerror(errno));
		t->reaped = true;
		return SONDE_EXIT_OK;
	}
	t->reaped = true;
	sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	/* SIGINT too: Ctrl-C at a terminal reaches the command in sonde's process group. */
	if ((t->stopping && (sig == SIGINT || sig == SIGTERM || sig == SIGKILL)) ||
	    (t->stop_signal && !sig)) {
		say_stopped(t, status);
		return SONDE_EXIT_OK;
	}
	if (sig) {
		fprintf(stderr, "sonde: the command %s\n",
			describe_status(status, how, sizeof(how)));
		return SONDE_EXIT_SYSTEM;
	}
	if (WEXITSTATUS(status))
		fprintf(stderr, "sonde: the command %s\n",
			describe_status(status, how, sizeof(how)));
	else
		sonde_info("the command exited with status 0");
	return SONDE_EXIT_OK;
}

int target_report_end(struct target *t)
{
	/* The report first, the ending after it, even when both go to one file. */
	fflush(stdout);
	if (t->child_started)
		return t->reaped || t->hold_fd >= 0 || t->follow ? SONDE_EXIT_OK
								 : report_cmd_end(t);
	if (!t->nr_pids)
		return SONDE_EXIT_OK;
	target_all_exited(t);
	target_say_exits(t);
	return t->pid_killed ? SONDE_EXIT_SYSTEM : SONDE_EXIT_OK;
}

static int ms_until(__u64 deadline_ns)
{
	__u64 now = now_ns();

	return now >= deadline_ns ? 0 : (int)((deadline_ns - now + 999999) / 1000000);
}

/*
 * Wait for the command to exit until the deadline, or until hurry() says to
 * stop waiting. SIGINT and SIGTERM are blocked but while ppoll() sleeps, so
 * one that arrives between the check and the sleep still wakes it (EINTR).
 */
static bool wait_cmd_exit(const struct target *t, __u64 deadline_ns, bool (*hurry)(void))
{
	struct pollfd p = {.fd = t->pidfds[0], .events = POLLIN};
	sigset_t stops, old;
	struct timespec ts;
	bool exited = false;
	int left, n;

	if (p.fd < 0)
		return false;
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigprocmask(SIG_BLOCK, &stops, &old);
	while (!(hurry && hurry()) && (left = ms_until(deadline_ns)) > 0) {
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (long)(left % 1000) * 1000000L;
		n = ppoll(&p, 1, &ts, &old);
		if (n > 0 || (n < 0 && errno != EINTR)) {
			exited = n > 0;
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return exited;
}

/*
 * The traced process and, when a wrapper started it (timeout, a shell script),
 * the command sonde started too: a script would go on to its next line, a
 * wrapper killed alone would leave the program running.
 */
static void signal_cmd(const struct target *t, int sig)
{
	kill(t->pids[0], sig);
	if (t->cmd_pid != t->pids[0] && !t->cmd_ended)
		kill(t->cmd_pid, sig);
}

void target_stop_cmd(struct target *t, bool (*hurry)(void))
{
	t->stopping = true;
	if (!t->child_started || t->reaped || t->hold_fd >= 0 || t->follow || target_all_exited(t))
		return;
	t->stop_signal = SIGTERM;
	signal_cmd(t, SIGTERM);
	if (wait_cmd_exit(t, now_ns() + TARGET_STOP_GRACE_NS, hurry))
		return;
	t->stop_hurried = hurry && hurry();
	t->stop_signal = SIGKILL;
	signal_cmd(t, SIGKILL);
}
