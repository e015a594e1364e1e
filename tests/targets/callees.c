// SPDX-License-Identifier: GPL-2.0
/*
 * callees [N] [K]: work_unit() does a fixed amount of arithmetic (the same
 * instructions every call, not a wall-clock spin, so a busy machine slows it
 * only by preempting it) split into K+1 pieces, with a call of the hot leaf
 * tick() between pieces: N calls of work_unit, N*K of tick. Traced with and
 * without tick, work_unit must read the same: the probe cost tick's probes
 * add inside work_unit's window is what sonde subtracts.
 * Each round also calls stepped_leaf(), `lea 1(%rdi), %rax; ret`: a
 * nanosecond of work at a site the kernel single-steps (~10 us a hit here).
 * Prints "work_unit=N tick=N*K stepped_leaf=N" at exit.
 */
#include "targets.h"

static volatile unsigned long sink;

__attribute__((noinline)) void tick(void)
{
	TGT_ENTRY();
	sink += 1;
}

/* About 4 us here: a chain of dependent multiplies the compiler cannot fold. */
static inline void piece(void)
{
	unsigned long x = sink | 1;
	int i;

	for (i = 0; i < 4000; i++) {
		x = x * 2862933555777941757UL + 3037000493UL;
		TGT_BARRIER();
	}
	sink = x;
}

__attribute__((noinline)) void work_unit(unsigned long k)
{
	unsigned long i;

	TGT_ENTRY();
	piece();
	for (i = 0; i < k; i++) {
		tick();
		piece();
	}
}

/* In assembly so no compiler gives it an emulated first instruction. */
long stepped_leaf(long x);
asm(".pushsection .text\n.globl stepped_leaf\n.type stepped_leaf, @function\n"
    "stepped_leaf:\n lea 1(%rdi), %rax\n ret\n.size stepped_leaf, .-stepped_leaf\n.popsection\n");

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 0), n;
	unsigned long k = (unsigned long)tgt_arg(argc, argv, 2, 10);

	tgt_init();
	for (n = 0; tgt_more(n, want); n++) {
		work_unit(k);
		sink += (unsigned long)stepped_leaf((long)n);
	}
	printf("work_unit=%llu tick=%llu stepped_leaf=%llu\n", n, n * k, n);
	return 0;
}
