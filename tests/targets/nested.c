// SPDX-License-Identifier: GPL-2.0
/*
 * nested [N]: call outer() N times (0 or none: until SIGTERM).
 * outer spins OUTER_SELF_US itself, then calls inner, which spins INNER_US:
 * outer's wall time is 100 us, its self time 60 us, inner's wall time 40 us.
 * Prints "calls=N outer_self_us=60 inner_us=40" at exit.
 */
#include "targets.h"

#define OUTER_SELF_US 60
#define INNER_US      40

__attribute__((noinline)) void inner(void)
{
	TGT_ENTRY();
	tgt_spin_ns(INNER_US * 1000ull);
}

__attribute__((noinline)) void outer(void)
{
	TGT_ENTRY();
	tgt_spin_ns(OUTER_SELF_US * 1000ull);
	inner();
	TGT_BARRIER(); /* no tail call: inner returns into outer */
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 0), n;

	tgt_init();
	for (n = 0; tgt_more(n, want); n++)
		outer();
	printf("calls=%llu outer_self_us=%d inner_us=%d\n", n, OUTER_SELF_US, INNER_US);
	return 0;
}
