// SPDX-License-Identifier: GPL-2.0
/*
 * bench/memloop: the allocator workload of bench/mem.sh. Waits for SIGUSR1
 * (so a tracer attaches to its PID first), then:
 *   memloop pairs N    N malloc(64)+free pairs on one thread; prints ns_per_pair
 *                      (the mean) and p25_ns_per_pair (see batch_timer.h)
 *   memloop hold N     N malloc(32) blocks kept live; prints "held", waits for SIGTERM
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "batch_timer.h"

static volatile sig_atomic_t go, stop;
void *volatile sink;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 100000, i;
	sigset_t block, old;
	void **keep;
	double t0;

	if (argc < 2 || (strcmp(argv[1], "pairs") && strcmp(argv[1], "hold"))) {
		fprintf(stderr, "usage: memloop pairs|hold N\n");
		return 2;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	signal(SIGUSR1, on_usr1);
	signal(SIGTERM, on_term);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	while (!go && !stop)
		sigsuspend(&old);
	if (!strcmp(argv[1], "pairs")) {
		struct batch_timer bt;

		batch_timer_init(&bt, n);
		for (i = 0; i < n; i++) {
			sink = malloc(64);
			free(sink);
			batch_timer_tick(&bt, i);
		}
		batch_timer_report(&bt, n, "ns_per_pair", "pairs");
		return 0;
	}
	keep = malloc(n * sizeof(*keep));
	t0 = now_ns();
	for (i = 0; i < n; i++)
		keep[i] = malloc(32);
	printf("held %ld in %.1f s\n", n, (now_ns() - t0) / 1e9);
	fflush(stdout);
	while (!stop)
		sigsuspend(&old);
	return keep[n - 1] == NULL;
}
