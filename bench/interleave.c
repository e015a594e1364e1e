// SPDX-License-Identifier: GPL-2.0
/*
 * bench/interleave CALLS NFUNCS: NFUNCS copies of one tiny function
 * (tiny_0, tiny_1, ...: the same instructions, each at its own address), each
 * called CALLS times in batches of BATCH_OPS, the copies taking turns batch by
 * batch, in an order that rotates every turn. bench/run.sh attaches a
 * different tracer to each copy at once, so every tracer is timed in the same
 * stretches of time: on a shared virtual machine whose speed drifts by up to
 * 2x from one second to the next, separate runs could not be compared.
 * Prints, per copy: "tiny_K ns_per_call=MEAN p25_ns_per_call=Q".
 */
#include <stdio.h>
#include <stdlib.h>
#include "batch_timer.h"

#define MAX_FUNCS 8

/* Clobbering a callee-saved register makes each copy start with `push %rbx`
 * (after `endbr64` with -fcf-protection); the distinct constants keep the
 * compiler from folding the copies into one. */
#define TINY(k)                                                                                    \
	__attribute__((noinline)) int tiny_##k(int x)                                              \
	{                                                                                          \
		asm volatile("" ::: "rbx");                                                        \
		return x + k + 1;                                                                  \
	}
TINY(0)
TINY(1)
TINY(2)
TINY(3)
TINY(4)
TINY(5)
TINY(6)
TINY(7)

static int (*const funcs[MAX_FUNCS])(int) = {tiny_0, tiny_1, tiny_2, tiny_3,
					     tiny_4, tiny_5, tiny_6, tiny_7};

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 1000000, turns, t, i;
	int nf = argc > 2 ? atoi(argv[2]) : 5, k, f;
	double *ns[MAX_FUNCS], total[MAX_FUNCS] = {0}, t0, t1;
	volatile int sink = 0;

	if (calls < BATCH_OPS || nf < 1 || nf > MAX_FUNCS) {
		fprintf(stderr, "usage: interleave CALLS(>= %d) NFUNCS(1..%d)\n", BATCH_OPS,
			MAX_FUNCS);
		return 2;
	}
	turns = calls / BATCH_OPS;
	for (f = 0; f < nf; f++) {
		ns[f] = malloc(turns * sizeof(*ns[f]));
		if (!ns[f]) {
			perror("interleave");
			return 2;
		}
	}
	for (t = 0; t < turns; t++) {
		for (k = 0; k < nf; k++) {
			int (*fn)(int);

			f = (int)((k + t) % nf);
			fn = funcs[f];
			t0 = batch_now_ns();
			for (i = 0; i < BATCH_OPS; i++)
				sink = fn(sink);
			t1 = batch_now_ns();
			ns[f][t] = (t1 - t0) / BATCH_OPS;
			total[f] += t1 - t0;
		}
	}
	for (f = 0; f < nf; f++) {
		qsort(ns[f], turns, sizeof(*ns[f]), batch_cmp);
		printf("tiny_%d ns_per_call=%.1f p25_ns_per_call=%.1f\n", f,
		       total[f] / (turns * BATCH_OPS), ns[f][turns / 4]);
		free(ns[f]);
	}
	return 0;
}
