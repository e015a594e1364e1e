/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Following what a command execs, for -- CMD through wrappers (taskset, env,
 * nice, timeout, a shell script): the command runs under ptrace, and so do
 * the processes and threads it starts, until the process that execs the
 * program to trace is found. That process stays stopped right after its
 * exec (the new image mapped, not one instruction of it run) until the
 * probes are attached; every other process goes on untraced at once.
 *
 * ptrace, because only it stops a process at each exec of its own, before
 * the new program runs, and follows forks without a race (the child of a
 * traced fork is traced before it runs). sonde is the tracer: nothing else
 * of sonde runs while it follows, and its own child's exit, if it comes
 * while followed, is kept for the exit status report.
 */
#ifndef SONDE_EXEC_FOLLOW_H
#define SONDE_EXEC_FOLLOW_H

#include <sys/types.h>
#include <linux/types.h>

struct exec_follow;

/* Trace pid, sonde's child held before its first exec, and what it starts. */
int exec_follow__start(pid_t pid, struct exec_follow **out);

/*
 * The next exec of any followed process: 0 with *pid stopped right after it.
 * The process of the previous exec goes on first. -ETIMEDOUT when no exec
 * came within timeout_ns, -ESRCH when every followed process has ended.
 */
int exec_follow__next(struct exec_follow *f, __u64 timeout_ns, pid_t *pid);

/* Keep the process of the last exec stopped; every other one goes on, untraced. */
int exec_follow__hold(struct exec_follow *f);

/* Let the held process run, untraced. -ESRCH if it is gone. */
int exec_follow__release(struct exec_follow *f);

/* The wait status of the command (the pid given to start) if it ended while
 * followed (it was reaped here): 0, else -ENOENT. */
int exec_follow__cmd_status(const struct exec_follow *f, int *status);

/* SIGKILL every followed process (the held one too). */
void exec_follow__kill(struct exec_follow *f);

/* Detach from what is left (a held process goes on) and free. */
void exec_follow__free(struct exec_follow *f);

#endif
