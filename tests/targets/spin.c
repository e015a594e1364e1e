// SPDX-License-Identifier: GPL-2.0
/*
 * spin [N]: call spin_50us() N times (0 or none: until SIGTERM).
 * spin_50us busy-waits 50 us of CLOCK_MONOTONIC time, so its wall time is
 * 50 us plus the probe's cost. Prints "calls=N" at exit.
 */
#include "targets.h"

__attribute__((noinline)) void spin_50us(void)
{
	TGT_ENTRY();
	tgt_spin_ns(50000);
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 0), n;

	tgt_init();
	for (n = 0; tgt_more(n, want); n++)
		spin_50us();
	printf("calls=%llu\n", n);
	return 0;
}
