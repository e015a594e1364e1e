// SPDX-License-Identifier: GPL-2.0
/*
 * sleeper [N [nested]]: call sleep_2ms() N times (0 or none: until SIGTERM);
 * with "nested", call two_naps() N times, which spins 2 ms, then calls
 * sleep_2ms() twice.
 * sleep_2ms is one nanosleep of 2 ms: off-CPU time, as a blocking call is.
 * The timer slack is set to 1 ns, so the sleep ends as close to 2 ms as the
 * kernel can wake the thread (the default slack alone adds up to 50 us).
 * two_naps keeps its own CPU time (the kernel's count, CLOCK_THREAD_CPUTIME_ID,
 * read inside it): what sonde's on-CPU part of it must match on any machine.
 * Prints "calls=N two_naps_oncpu_ns=X" at exit.
 */
#include <stdbool.h>
#include <sys/prctl.h>
#include "targets.h"

__attribute__((noinline)) void sleep_2ms(void)
{
	TGT_ENTRY();
	tgt_sleep_ns(2000000);
}

static unsigned long long two_naps_oncpu_ns;

__attribute__((noinline)) void two_naps(void)
{
	unsigned long long cpu0;

	TGT_ENTRY();
	cpu0 = tgt_thread_cpu_ns();
	tgt_spin_ns(2000000);
	sleep_2ms();
	sleep_2ms();
	two_naps_oncpu_ns += tgt_thread_cpu_ns() - cpu0;
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
	printf("calls=%llu two_naps_oncpu_ns=%llu\n", n, two_naps_oncpu_ns);
	return 0;
}
