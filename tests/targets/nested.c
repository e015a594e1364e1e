// SPDX-License-Identifier: GPL-2.0
/*
 * nested [N]: call outer() N times (0 or none: until SIGTERM).
 * outer spins OUTER_SELF_US itself, then calls inner, which spins INNER_US:
 * outer's wall time is 100 us, its self time 60 us, inner's wall time 40 us.
 * Prints "calls=N outer_self_us=60 inner_us=40 outer_spin_ns=S inner_spin_ns=I"
 * at exit: S and I are the spins' wall time as the target measured it, which a
 * busy machine stretches (a spin preempted halfway takes longer) exactly as
 * it stretches what a tracer measures.
 */
#include "targets.h"

#define OUTER_SELF_US 60
#define INNER_US      40

static unsigned long long outer_spin_ns, inner_spin_ns;

__attribute__((noinline)) void inner(void)
{
	unsigned long long t0;

	TGT_ENTRY();
	t0 = tgt_now_ns();
	tgt_spin_ns(INNER_US * 1000ull);
	inner_spin_ns += tgt_now_ns() - t0;
}

__attribute__((noinline)) void outer(void)
{
	unsigned long long t0;

	TGT_ENTRY();
	t0 = tgt_now_ns();
	tgt_spin_ns(OUTER_SELF_US * 1000ull);
	outer_spin_ns += tgt_now_ns() - t0;
	inner();
	TGT_BARRIER(); /* no tail call: inner returns into outer */
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 0), n;

	tgt_init();
	for (n = 0; tgt_more(n, want); n++)
		outer();
	printf("calls=%llu outer_self_us=%d inner_us=%d outer_spin_ns=%llu inner_spin_ns=%llu\n", n,
	       OUTER_SELF_US, INNER_US, outer_spin_ns, inner_spin_ns);
	return 0;
}
