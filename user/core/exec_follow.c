// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include "core/exec_follow.h"
#include "core/util.h"

/* Processes and threads followed at once: wrappers start one or two. */
#define FOLLOW_MAX 256

/* Forks, vforks (posix_spawn) and threads are followed; a dead sonde kills them. */
#define FOLLOW_OPTIONS                                                                             \
	(PTRACE_O_TRACEEXEC | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |     \
	 PTRACE_O_EXITKILL)

struct exec_follow {
	pid_t cmd;     /* sonde's child: its exit status is kept */
	pid_t stopped; /* stopped after its exec, until next(), hold() or release() */
	bool holding;  /* every process but `stopped` is being let go */
	bool cmd_ended;
	int cmd_status;
	int nr;
	pid_t tids[FOLLOW_MAX];
	sigset_t old_mask;
};

static int find_tid(const struct exec_follow *f, pid_t tid)
{
	int i;

	for (i = 0; i < f->nr; i++)
		if (f->tids[i] == tid)
			return i;
	return -1;
}

static int add_tid(struct exec_follow *f, pid_t tid)
{
	if (find_tid(f, tid) >= 0)
		return 0;
	if (f->nr == FOLLOW_MAX)
		return -ENOSPC;
	f->tids[f->nr++] = tid;
	return 0;
}

static void forget_tid(struct exec_follow *f, pid_t tid)
{
	int i = find_tid(f, tid);

	if (i >= 0)
		f->tids[i] = f->tids[--f->nr];
	if (f->stopped == tid)
		f->stopped = 0;
}

/* On its way again: still followed, or, while holding, untraced. */
static void resume(struct exec_follow *f, pid_t tid, int sig)
{
	if (!f->holding && !ptrace(PTRACE_CONT, tid, 0, (long)sig))
		return;
	ptrace(PTRACE_DETACH, tid, 0, (long)sig);
	forget_tid(f, tid);
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* One wait status of a followed task; true when it is an exec to report. */
static bool on_wait(struct exec_follow *f, pid_t tid, int status)
{
	unsigned int event = (unsigned int)status >> 16;
	unsigned long msg = 0;
	int sig;

	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		if (tid == f->cmd) {
			f->cmd_ended = true;
			f->cmd_status = status;
		}
		forget_tid(f, tid);
		return false;
	}
	if (!WIFSTOPPED(status))
		return false;
	/* A new child's first stop may come before its parent's fork event. */
	if (add_tid(f, tid)) {
		ptrace(PTRACE_DETACH, tid, 0, 0L);
		return false;
	}
	sig = WSTOPSIG(status);
	switch (event) {
	case PTRACE_EVENT_EXEC:
		/* A thread that execs takes the leader's id: its own is gone. */
		if (!ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg) && (pid_t)msg != tid)
			forget_tid(f, (pid_t)msg);
		if (f->holding) {
			resume(f, tid, 0);
			return false;
		}
		f->stopped = tid;
		return true;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		if (!ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg))
			add_tid(f, (pid_t)msg); /* when full: detached at its first stop */
		resume(f, tid, 0);
		return false;
	case PTRACE_EVENT_STOP:
		/* SIGSTOP and the like stop it as they would untraced (PTRACE_LISTEN);
		 * SIGTRAP is a new child's first stop or PTRACE_INTERRUPT's. */
		if (is_stop_signal(sig) && !f->holding)
			ptrace(PTRACE_LISTEN, tid, 0, 0L);
		else
			resume(f, tid, 0);
		return false;
	default:
		/* A signal on its way to the task: delivered as if untraced. */
		resume(f, tid, sig);
		return false;
	}
}

/*
 * One wait status of any followed task, or -ETIMEDOUT at the deadline (0:
 * none). SIGCHLD is blocked while following, so one that comes between the
 * look and the sleep still ends the sleep.
 */
static int wait_task(__u64 deadline_ns, pid_t *tid, int *status)
{
	sigset_t chld;
	struct timespec ts;
	__u64 now, left;
	pid_t p;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		p = waitpid(-1, status, __WALL | WNOHANG);
		if (p > 0) {
			*tid = p;
			return 0;
		}
		if (p < 0 && errno != EINTR)
			return errno == ECHILD ? -ESRCH : -errno;
		now = now_ns();
		if (deadline_ns && now >= deadline_ns)
			return -ETIMEDOUT;
		left = deadline_ns ? deadline_ns - now : 1000000000ULL;
		ts.tv_sec = (time_t)(left / 1000000000ULL);
		ts.tv_nsec = (long)(left % 1000000000ULL);
		sigtimedwait(&chld, NULL, &ts);
	}
}

int exec_follow__start(pid_t pid, struct exec_follow **out)
{
	struct exec_follow *f = calloc(1, sizeof(*f));
	sigset_t chld;
	int err;

	*out = NULL;
	if (!f)
		return -ENOMEM;
	f->cmd = pid;
	if (ptrace(PTRACE_SEIZE, pid, 0, (long)FOLLOW_OPTIONS)) {
		err = -errno;
		free(f);
		return err;
	}
	f->tids[f->nr++] = pid;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &f->old_mask);
	*out = f;
	return 0;
}

int exec_follow__next(struct exec_follow *f, __u64 timeout_ns, pid_t *pid)
{
	__u64 deadline = now_ns() + timeout_ns;
	int status, err;
	pid_t tid;

	if (f->stopped)
		resume(f, f->stopped, 0);
	f->stopped = 0;
	while (f->nr > 0) {
		err = wait_task(deadline, &tid, &status);
		if (err)
			return err;
		if (on_wait(f, tid, status)) {
			*pid = tid;
			return 0;
		}
	}
	return -ESRCH;
}

/*
 * Every task but the held one is stopped (PTRACE_INTERRUPT) and detached at
 * that stop, with the signal it was about to get, if any. Not bounded in
 * time: a task not yet back from the kernel stops when it is, and one left
 * traced would stop for good at its next event with no one to resume it.
 */
int exec_follow__hold(struct exec_follow *f)
{
	int i, status;
	pid_t tid;

	f->holding = true;
	for (i = 0; i < f->nr; i++) {
		if (f->tids[i] == f->stopped)
			continue;
		if (ptrace(PTRACE_INTERRUPT, f->tids[i], 0, 0L) && errno == ESRCH)
			forget_tid(f, f->tids[i--]);
	}
	while (f->nr > (f->stopped ? 1 : 0)) {
		if (wait_task(0, &tid, &status))
			break;
		on_wait(f, tid, status);
	}
	return f->stopped ? 0 : -ESRCH;
}

int exec_follow__release(struct exec_follow *f)
{
	pid_t tid = f->stopped;

	if (!tid)
		return -ESRCH;
	forget_tid(f, tid);
	return ptrace(PTRACE_DETACH, tid, 0, 0L) ? -errno : 0;
}

int exec_follow__cmd_status(const struct exec_follow *f, int *status)
{
	if (!f || !f->cmd_ended)
		return -ENOENT;
	*status = f->cmd_status;
	return 0;
}

void exec_follow__kill(struct exec_follow *f)
{
	__u64 deadline = now_ns() + 5000000000ULL;
	int i, status;
	pid_t tid;

	for (i = 0; i < f->nr; i++)
		kill(f->tids[i], SIGKILL);
	/* Their deaths, reported to the tracer; sonde's own child is reaped here. */
	while (f->nr > 0 && !wait_task(deadline, &tid, &status))
		on_wait(f, tid, status);
	f->stopped = 0;
}

void exec_follow__free(struct exec_follow *f)
{
	if (!f)
		return;
	if (f->nr > (f->stopped ? 1 : 0))
		exec_follow__hold(f);
	if (f->stopped)
		exec_follow__release(f);
	sigprocmask(SIG_SETMASK, &f->old_mask, NULL);
	free(f);
}
