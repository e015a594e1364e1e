// SPDX-License-Identifier: GPL-2.0
/*
 * sleeper [N]: call sleep_2ms() N times (0 or none: until SIGTERM).
 * sleep_2ms is one nanosleep of 2 ms: off-CPU time, as a blocking call is.
 * The timer slack is set to 1 ns, so the sleep ends as close to 2 ms as the
 * kernel can wake the thread (the default slack alone adds up to 50 us).
 * Prints "calls=N" at exit.
 */
#include <sys/prctl.h>
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
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	for (n = 0; tgt_more(n, want); n++)
		sleep_2ms();
	printf("calls=%llu\n", n);
	return 0;
}
