// SPDX-License-Identifier: GPL-2.0
/* A tight loop calling a tiny function: the per-call cost of a tracer is the
 * difference between the loop's time traced and untraced. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Clobbering a callee-saved register makes the function start with `push %rbx`
 * (after `endbr64` when built with -fcf-protection): the entry shapes we compare. */
__attribute__((noinline)) int tiny(int x)
{
	asm volatile("" ::: "rbx");
	return x + 1;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000, i;
	volatile int sink = 0;
	double t0, t1;

	t0 = now_ns();
	for (i = 0; i < n; i++)
		sink = tiny(sink);
	t1 = now_ns();
	printf("ns_per_call=%.1f calls=%ld\n", (t1 - t0) / n, n);
	return 0;
}
