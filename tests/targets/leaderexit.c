// SPDX-License-Identifier: GPL-2.0
/*
 * leaderexit [N]: the main thread starts a worker and calls pthread_exit(),
 * so the thread-group leader is a zombie (no mm: /proc/PID/maps is empty,
 * /proc/PID/exe unreadable) while the process runs on. The worker waits for
 * SIGUSR1, then calls leader_gone_tick() (a 20 us spin) N times (default
 * 1000), prints "calls=N" and ends the process with exit status 0.
 *
 * SIGUSR1 is blocked before the worker starts and the worker takes it with
 * sigwait(), so a signal sent at any time after the leader became a zombie
 * (State: Z in /proc/PID/status) is kept pending, never lost. SIGTERM and
 * SIGINT are taken the same way while it waits (it ends, "calls=0"), and stop
 * the calls afterwards.
 */
#include <pthread.h>
#include "targets.h"

static unsigned long long want;

__attribute__((noinline)) void leader_gone_tick(void)
{
	TGT_ENTRY();
	tgt_spin_ns(20000);
}

static void *worker(void *arg)
{
	sigset_t *waited = arg;
	unsigned long long n;
	int sig;

	if (sigwait(waited, &sig))
		exit(1);
	if (sig != SIGUSR1)
		tgt_stop = 1;
	sigdelset(waited, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, waited, NULL);
	for (n = 0; tgt_more(n, want); n++)
		leader_gone_tick();
	printf("calls=%llu\n", n);
	exit(0);
}

int main(int argc, char **argv)
{
	static sigset_t waited;
	pthread_t t;

	want = tgt_arg(argc, argv, 1, 1000);
	tgt_init();
	sigemptyset(&waited);
	sigaddset(&waited, SIGUSR1);
	sigaddset(&waited, SIGTERM);
	sigaddset(&waited, SIGINT);
	pthread_sigmask(SIG_BLOCK, &waited, NULL);
	if (pthread_create(&t, NULL, worker, &waited)) {
		fprintf(stderr, "leaderexit: cannot start the worker thread\n");
		return 1;
	}
	pthread_exit(NULL);
}
