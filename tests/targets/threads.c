// SPDX-License-Identifier: GPL-2.0
/*
 * threads [N [T]]: T threads (default 4) each call thread_work() exactly N
 * times (0: until SIGTERM), all starting together at a barrier. thread_work
 * spins 5 us, so the threads' calls overlap in time.
 * Prints "threads=T calls_per_thread=N calls=T*N" at exit (with N = 0, the
 * total actually made).
 */
#include <pthread.h>
#include "targets.h"

#define MAX_THREADS 64

static unsigned long long want;
static unsigned long long done[MAX_THREADS];
static pthread_barrier_t start;

__attribute__((noinline)) void thread_work(void)
{
	TGT_ENTRY();
	tgt_spin_ns(5000);
}

static void *worker(void *arg)
{
	unsigned long long *n = arg;

	pthread_barrier_wait(&start);
	for (*n = 0; tgt_more(*n, want); (*n)++)
		thread_work();
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long long total = 0;
	pthread_t tids[MAX_THREADS];
	int nthreads, i;

	want = tgt_arg(argc, argv, 1, 0);
	nthreads = (int)tgt_arg(argc, argv, 2, 4);
	if (nthreads < 1 || nthreads > MAX_THREADS)
		nthreads = 4;
	tgt_init();
	pthread_barrier_init(&start, NULL, (unsigned)nthreads);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&tids[i], NULL, worker, &done[i])) {
			fprintf(stderr, "threads: pthread_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(tids[i], NULL);
		total += done[i];
	}
	printf("threads=%d calls_per_thread=%llu calls=%llu\n", nthreads, want, total);
	return 0;
}
