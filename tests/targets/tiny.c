// SPDX-License-Identifier: GPL-2.0
/*
 * tiny [N]: call tiny_add() N times in a tight loop (default 10,000,000;
 * 0: until SIGTERM). tiny_add takes a few ns, so a tracer's per-call cost
 * dominates: this is the benchmark's loop.
 * Prints "calls=N sum=S ns_per_call=X" at exit.
 */
#include "targets.h"

__attribute__((noinline)) int tiny_add(int x)
{
	TGT_ENTRY();
	return x + 1;
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 10000000), n, t0, t1;
	long long sum = 0;

	tgt_init();
	t0 = tgt_now_ns();
	for (n = 0; tgt_more(n, want); n++)
		sum += tiny_add((int)(n & 0xff));
	t1 = tgt_now_ns();
	printf("calls=%llu sum=%lld ns_per_call=%.2f\n", n, sum,
	       n ? (double)(t1 - t0) / (double)n : 0.0);
	return 0;
}
