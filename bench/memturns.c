// SPDX-License-Identifier: GPL-2.0
/*
 * bench/memturns PAIRS NPROCS: NPROCS processes, each making PAIRS
 * malloc(64)+free pairs, taking turns 1,000 pairs at a time in an order that
 * rotates every turn. bench/mem.sh traces each worker with another tracer
 * (by PID), so all of them are timed in the same stretches of time, as
 * bench/interleave.c does for sonde lat: run one after the other, their
 * ratios moved by up to 2x with this virtual machine's other tenants.
 *
 * Prints "worker K pid P" for each worker, then "ready", and waits for a
 * line on stdin (the tracers are attached meanwhile); at the end, per
 * worker: "worker K ns_per_pair=MEAN pairs=N p25_ns_per_pair=Q".
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "batch_timer.h"

#define MAX_PROCS 8

struct worker {
	pid_t pid;
	int go;	  /* parent -> worker: run one batch (a byte), or stop (EOF) */
	int done; /* worker -> parent: the batch is done */
};

/* The worker's side: a batch per byte read, its report when the pipe closes. */
static void work(int k, int go, int done, long pairs)
{
	struct batch_timer bt;
	volatile char *sink;
	double mean = 0;
	long i = 0, b;
	char c;

	batch_timer_init(&bt, pairs);
	while (read(go, &c, 1) == 1) {
		long end = i + BATCH_OPS;

		/* The batch is timed from here: the handover is not in it. */
		bt.start = batch_now_ns();
		for (; i < end; i++) {
			sink = malloc(64);
			sink[0] = 1;
			free((void *)sink);
			batch_timer_tick(&bt, i);
		}
		if (write(done, "d", 1) != 1)
			exit(2);
	}
	/* Of the batches alone: the time between them is the other workers'. */
	for (b = 0; b < bt.nr; b++)
		mean += bt.ns_per_op[b] / bt.nr;
	qsort(bt.ns_per_op, bt.nr, sizeof(*bt.ns_per_op), batch_cmp);
	printf("worker %d ns_per_pair=%.1f pairs=%ld p25_ns_per_pair=%.1f\n", k, mean, i,
	       bt.nr ? bt.ns_per_op[bt.nr / 4] : 0.0);
	exit(0);
}

int main(int argc, char **argv)
{
	long pairs = argc > 1 ? atol(argv[1]) : 100000, turns, t;
	int n = argc > 2 ? atoi(argv[2]) : 2, k, go[2], done[2];
	struct worker w[MAX_PROCS];
	char c;

	if (pairs < BATCH_OPS || n < 1 || n > MAX_PROCS) {
		fprintf(stderr, "usage: memturns PAIRS(>= %d) NPROCS(1..%d)\n", BATCH_OPS,
			MAX_PROCS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (k = 0; k < n; k++) {
		if (pipe(go) || pipe(done)) {
			perror("memturns");
			return 2;
		}
		w[k].pid = fork();
		if (w[k].pid < 0) {
			perror("memturns");
			return 2;
		}
		if (w[k].pid == 0) {
			int j;

			/* Only the parent may hold the write ends: EOF is the stop. */
			for (j = 0; j < k; j++) {
				close(w[j].go);
				close(w[j].done);
			}
			close(go[1]);
			close(done[0]);
			work(k, go[0], done[1], pairs);
		}
		close(go[0]);
		close(done[1]);
		w[k].go = go[1];
		w[k].done = done[0];
		printf("worker %d pid %d\n", k, (int)w[k].pid);
	}
	printf("ready\n");
	if (!fgets((char[16]){0}, 16, stdin))
		return 2;
	turns = pairs / BATCH_OPS;
	for (t = 0; t < turns; t++) {
		for (k = 0; k < n; k++) {
			struct worker *x = &w[(k + t) % n];

			if (write(x->go, "g", 1) != 1 || read(x->done, &c, 1) != 1) {
				fprintf(stderr, "memturns: worker %d is gone\n",
					(int)((k + t) % n));
				return 2;
			}
		}
	}
	/* One at a time, so their reports do not interleave. */
	for (k = 0; k < n; k++) {
		close(w[k].go);
		waitpid(w[k].pid, NULL, 0);
	}
	return 0;
}
