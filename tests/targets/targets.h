/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the test targets: busy-waiting and sleeping for a known
 * time, the iteration count from argv, and a SIGTERM/SIGINT flag for the
 * "run until killed" mode that the -p and -b tests use.
 *
 * Everything here is static inline, and the targets are built with
 * -fno-inline, so the helpers become local functions of each target. They are
 * named tgt_* so that no test glob ('spin_*', 'fan_*', ...) matches them.
 */
#ifndef SONDE_TARGETS_H
#define SONDE_TARGETS_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A compiler barrier: keeps a traced function from being folded or merged. */
#define TGT_BARRIER() asm volatile("" ::: "memory")

/*
 * The first statement of every traced function. Clobbering a callee-saved
 * register forces a prologue at the very entry, so even leaf functions and
 * shrink-wrapped ones (recurse) start with `push %rbp`, which the kernel
 * emulates (~1 us per hit) instead of single-stepping (~12 us, DESIGN.md).
 */
#define TGT_ENTRY() asm volatile("" ::: "rbx", "memory")

static volatile sig_atomic_t tgt_stop;

static inline void tgt_on_signal(int sig)
{
	(void)sig;
	tgt_stop = 1;
}

static volatile sig_atomic_t tgt_go;

static inline void tgt_on_usr1(int sig)
{
	(void)sig;
	tgt_go = 1;
}

/*
 * SIGTERM and SIGINT end the main loop, so the summary line is still printed.
 * With TGT_WAIT_USR1=1 in the environment, wait for SIGUSR1 before starting:
 * a test attaches sonde to the waiting process (-p), then lets it go, and
 * knows every call happened while traced. The SIGUSR1 handler is installed
 * first, so a test can tell from SigCgt in /proc/PID/status when to send it.
 */
static inline void tgt_init(void)
{
	struct sigaction sa;
	sigset_t usr1, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tgt_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!getenv("TGT_WAIT_USR1"))
		return;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	sa.sa_handler = tgt_on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sigdelset(&old, SIGUSR1);
	while (!tgt_go && !tgt_stop)
		sigsuspend(&old);
}

static inline unsigned long long tgt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* The calling thread's CPU time as the kernel counts it: what sonde's on-CPU part must match. */
static inline unsigned long long tgt_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* Busy-wait ns nanoseconds of wall time, measured on CLOCK_MONOTONIC. */
static inline void tgt_spin_ns(unsigned long long ns)
{
	unsigned long long end = tgt_now_ns() + ns;

	while (tgt_now_ns() < end)
		TGT_BARRIER();
}

/* Sleep ns nanoseconds, resuming after signals so the sleep is whole. */
static inline void tgt_sleep_ns(unsigned long long ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ull),
			      .tv_nsec = (long)(ns % 1000000000ull)};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * argv[i] as a count; "0", "forever" or a missing argument mean 0, which the
 * targets read as "until SIGTERM".
 */
static inline unsigned long long tgt_arg(int argc, char **argv, int i, unsigned long long def)
{
	char *end;
	unsigned long long v;

	if (i >= argc)
		return def;
	if (!strcmp(argv[i], "forever"))
		return 0;
	errno = 0;
	v = strtoull(argv[i], &end, 10);
	if (errno || end == argv[i] || *end) {
		fprintf(stderr, "%s: '%s' is not a count\n", argv[0], argv[i]);
		exit(2);
	}
	return v;
}

/* Keep going: n calls done out of want (0 = no limit), and no SIGTERM yet. */
static inline int tgt_more(unsigned long long n, unsigned long long want)
{
	return !tgt_stop && (!want || n < want);
}

#endif /* SONDE_TARGETS_H */
