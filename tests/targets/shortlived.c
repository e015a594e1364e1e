// SPDX-License-Identifier: GPL-2.0
/*
 * shortlived [MS]: call tick() (a 200 us spin) for MS milliseconds of wall
 * time (default 1000), then exit by itself; MS = 0 exits at once without a
 * single call. For "the target exits mid-trace" and "the target exits while
 * probes are being attached". never_called() is never called: a probe on it
 * must report 0 calls. Prints "calls=N" at exit.
 */
#include "targets.h"

__attribute__((noinline)) void tick(void)
{
	TGT_ENTRY();
	tgt_spin_ns(200000);
}

__attribute__((noinline)) void never_called(void)
{
	TGT_ENTRY();
	tgt_spin_ns(1000);
}

int main(int argc, char **argv)
{
	unsigned long long ms = tgt_arg(argc, argv, 1, 1000), n = 0, end;

	tgt_init();
	end = tgt_now_ns() + ms * 1000000ull;
	while (tgt_now_ns() < end && !tgt_stop) {
		tick();
		n++;
	}
	if (argc > 99) /* keeps never_called referenced; never true */
		never_called();
	printf("calls=%llu\n", n);
	return 0;
}
