// SPDX-License-Identifier: GPL-2.0
/*
 * pingpong [ROUND_TRIPS [CPU [CHILD_CPU]]]: two processes pass one byte back
 * and forth over two pipes, ROUND_TRIPS times (default 200,000), and the
 * parent prints how many round trips per second that was. Every round trip
 * is two wakeups and at least two context switches: a measure of what the
 * scheduler hooks of a tracer cost the processes it does not trace.
 * The parent runs on CPU and the child on CHILD_CPU (default: CPU too). On
 * one CPU every switch goes straight from one process to the other; on two,
 * every wakeup crosses CPUs and each CPU switches to idle and back. -1 (the
 * default) leaves a process where the scheduler puts it.
 * Prints "round_trips=N seconds=S round_trips_per_s=R".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "batch_timer.h"

#define WARMUP 2000L

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Pin the calling process to cpu; -1 leaves it alone. */
static int pin_to(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "pingpong: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
		return -1;
	}
	return 0;
}

static int xfer(int rfd, int wfd, int first)
{
	char c = 'x';

	if (first && write(wfd, &c, 1) != 1)
		return -1;
	if (read(rfd, &c, 1) != 1)
		return -1;
	if (!first && write(wfd, &c, 1) != 1)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000, i;
	int cpu = argc > 2 ? atoi(argv[2]) : -1;
	int child_cpu = argc > 3 ? atoi(argv[3]) : cpu;
	int ping[2], pong[2], status;
	struct batch_timer bt;
	double t0, t1;
	pid_t child;

	if (n <= 0) {
		fprintf(stderr, "pingpong: ROUND_TRIPS must be > 0\n");
		return 2;
	}
	if (pipe(ping) || pipe(pong)) {
		perror("pingpong: pipe");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("pingpong: fork");
		return 1;
	}
	if (child == 0) {
		if (pin_to(child_cpu))
			_exit(2);
		/* Echo until the parent closes its end (EOF on ping). */
		close(ping[1]);
		close(pong[0]);
		for (;;)
			if (xfer(ping[0], pong[1], 0))
				_exit(0);
	}
	close(ping[0]);
	close(pong[1]);
	if (pin_to(cpu)) {
		kill(child, SIGKILL);
		return 2;
	}
	for (i = 0; i < WARMUP; i++)
		if (xfer(pong[0], ping[1], 1))
			goto broken;
	t0 = now_s();
	batch_timer_init(&bt, n);
	for (i = 0; i < n; i++) {
		if (xfer(pong[0], ping[1], 1))
			goto broken;
		batch_timer_tick(&bt, i);
	}
	t1 = now_s();
	close(ping[1]);
	waitpid(child, &status, 0);
	printf("round_trips=%ld seconds=%.4f round_trips_per_s=%.0f ", n, t1 - t0,
	       (double)n / (t1 - t0));
	/* ns_per_round_trip=MEAN round_trips=N p25_ns_per_round_trip=Q: batch_timer.h */
	batch_timer_report(&bt, n, "ns_per_round_trip", "round_trips");
	return 0;
broken:
	perror("pingpong: pipe transfer");
	kill(child, SIGKILL);
	return 1;
}
