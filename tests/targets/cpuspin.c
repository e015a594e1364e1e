// SPDX-License-Identifier: GPL-2.0
/*
 * cpuspin [N [T [CPU]]]: pin the process to CPU (default: the last CPU
 * online), then T threads (default 1, at most 8) each call spin_1ms() N
 * times (0: until SIGTERM), all starting together at a barrier.
 * spin_1ms busy-waits 1 ms of CLOCK_MONOTONIC time. Alone on an idle CPU it
 * is on-CPU for all of that time; with two threads pinned to one CPU, each
 * call still takes about 1 ms of wall time but spends part of it runnable,
 * waiting for the other thread to give the CPU back (run-queue time).
 * Prints "threads=T cpu=C calls_per_thread=N calls=T*N" at exit (with N = 0,
 * the total actually made).
 */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include "targets.h"

#define MAX_THREADS 8

static unsigned long long want;
static unsigned long long done[MAX_THREADS];
static pthread_barrier_t start;

__attribute__((noinline)) void spin_1ms(void)
{
	TGT_ENTRY();
	tgt_spin_ns(1000000);
}

static void *worker(void *arg)
{
	unsigned long long *n = arg;

	pthread_barrier_wait(&start);
	for (*n = 0; tgt_more(*n, want); (*n)++)
		spin_1ms();
	return NULL;
}

/* Pin the whole process (threads created later inherit it) to one CPU. */
static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "cpuspin: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long total = 0;
	pthread_t tids[MAX_THREADS];
	int nthreads, cpu, i;

	want = tgt_arg(argc, argv, 1, 0);
	nthreads = (int)tgt_arg(argc, argv, 2, 1);
	if (nthreads < 1 || nthreads > MAX_THREADS)
		nthreads = 1;
	cpu = (int)tgt_arg(argc, argv, 3, (unsigned long long)(sysconf(_SC_NPROCESSORS_ONLN) - 1));
	if (pin_to(cpu))
		return 2;
	tgt_init();
	pthread_barrier_init(&start, NULL, (unsigned)nthreads);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&tids[i], NULL, worker, &done[i])) {
			fprintf(stderr, "cpuspin: pthread_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(tids[i], NULL);
		total += done[i];
	}
	printf("threads=%d cpu=%d calls_per_thread=%llu calls=%llu\n", nthreads, cpu, want, total);
	return 0;
}
