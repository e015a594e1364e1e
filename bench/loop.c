// SPDX-License-Identifier: GPL-2.0
/* A tight loop calling a tiny function: the per-call cost of a tracer is the
 * difference between the loop's time traced and untraced. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "batch_timer.h"

/* Clobbering a callee-saved register makes the function start with `push %rbx`
 * (after `endbr64` when built with -fcf-protection): the entry shapes we compare. */
__attribute__((noinline)) int tiny(int x)
{
	asm volatile("" ::: "rbx");
	return x + 1;
}

/* Prints ns_per_call (the mean) and p25_ns_per_call (see batch_timer.h). */
int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000, i;
	volatile int sink = 0;
	struct batch_timer bt;

	batch_timer_init(&bt, n);
	for (i = 0; i < n; i++) {
		sink = tiny(sink);
		batch_timer_tick(&bt, i);
	}
	batch_timer_report(&bt, n, "ns_per_call", "calls");
	return 0;
}
