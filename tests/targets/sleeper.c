// SPDX-License-Identifier: GPL-2.0
/*
 * sleeper [N]: call sleep_2ms() N times (0 or none: until SIGTERM).
 * sleep_2ms is one nanosleep of 2 ms: off-CPU time, as a blocking call is.
 * Prints "calls=N" at exit.
 */
#include "targets.h"

__attribute__((noinline)) void sleep_2ms(void)
{
	TGT_ENTRY();
	tgt_sleep_ns(2000000);
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 0), n;

	tgt_init();
	for (n = 0; tgt_more(n, want); n++)
		sleep_2ms();
	printf("calls=%llu\n", n);
	return 0;
}
