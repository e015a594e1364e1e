// SPDX-License-Identifier: GPL-2.0
/*
 * threadstorm [N [PAR [LINGER]]]: start N short-lived threads (default
 * 10,000), at most PAR (default 8) alive at a time; each calls thread_once()
 * exactly once and exits. For per-thread state that must be freed when a
 * thread exits, not when the process does.
 * With LINGER = 1 the process prints its summary once every thread has been
 * joined and then stays alive, without threads, until SIGTERM: a tracer still
 * attached can be asked what it holds for threads that are gone.
 * Prints "threads=N calls=N" (calls counted by the threads themselves).
 */
#include <pthread.h>
#include "targets.h"

#define MAX_PAR 64

static unsigned long long calls;

__attribute__((noinline)) void thread_once(void)
{
	TGT_ENTRY();
	__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
	(void)arg;
	thread_once();
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 10000), started = 0;
	unsigned long long par = tgt_arg(argc, argv, 2, 8);
	unsigned long long linger = tgt_arg(argc, argv, 3, 0);
	pthread_t tids[MAX_PAR];
	unsigned long long i, batch;

	if (par < 1 || par > MAX_PAR)
		par = 8;
	tgt_init();
	while (started < want && !tgt_stop) {
		batch = want - started < par ? want - started : par;
		for (i = 0; i < batch; i++) {
			if (pthread_create(&tids[i], NULL, worker, NULL)) {
				fprintf(stderr, "threadstorm: pthread_create failed\n");
				return 1;
			}
		}
		for (i = 0; i < batch; i++)
			pthread_join(tids[i], NULL);
		started += batch;
	}
	printf("threads=%llu calls=%llu\n", started, __atomic_load_n(&calls, __ATOMIC_RELAXED));
	while (linger && !tgt_stop)
		tgt_sleep_ns(10000000); /* SIGTERM ends it within 10 ms */
	return 0;
}
