// SPDX-License-Identifier: GPL-2.0
/*
 * sleeper [N [nested]]: call sleep_2ms() N times (0 or none: until SIGTERM);
 * with "nested", call two_naps() N times, which spins 2 ms, then calls
 * sleep_2ms() twice.
 * sleep_2ms is one nanosleep of 2 ms: off-CPU time, as a blocking call is.
 * The timer slack is set to 1 ns, so the sleep ends as close to 2 ms as the
 * kernel can wake the thread (the default slack alone adds up to 50 us).
 * Prints "calls=N" at exit.
 */
#include <stdbool.h>
#include <sys/prctl.h>
#include "targets.h"

__attribute__((noinline)) void sleep_2ms(void)
{
	TGT_ENTRY();
	tgt_sleep_ns(2000000);
}

__attribute__((noinline)) void two_naps(void)
{
	TGT_ENTRY();
	tgt_spin_ns(2000000);
	sleep_2ms();
	sleep_2ms();
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 0), n;
	bool nested = argc > 2 && !strcmp(argv[2], "nested");

	tgt_init();
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	for (n = 0; tgt_more(n, want); n++) {
		if (nested)
			two_naps();
		else
			sleep_2ms();
	}
	printf("calls=%llu\n", n);
	return 0;
}
