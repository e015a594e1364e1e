// SPDX-License-Identifier: GPL-2.0
/*
 * slowcalls [N [EVERY]]: serve_one() calls lookup() N times (0 or none:
 * until SIGTERM). lookup spins 100 us, except every EVERY-th call (default
 * 5: calls 5, 10, 15, ...), which sleeps 3 ms: a known set of slow calls for
 * --slower-than 1ms, far from the threshold on both sides.
 * serve_one times each lookup itself and counts those that took >= 1 ms, so
 * the count printed is what really happened even if the machine stalled a
 * fast call. The calls come from serve_one, which main calls: a slow call's
 * user stack is serve_one, main, ... (frame pointers, no inlining).
 * Prints "calls=N slow=M slow_planned=K" at exit.
 */
#include <sys/prctl.h>
#include "targets.h"

#define SLOW_NS	     3000000ull
#define FAST_NS	     100000ull
#define THRESHOLD_NS 1000000ull

static unsigned long long slow_seen;

__attribute__((noinline)) void lookup(int slow)
{
	TGT_ENTRY();
	if (slow)
		tgt_sleep_ns(SLOW_NS);
	else
		tgt_spin_ns(FAST_NS);
}

__attribute__((noinline)) void serve_one(int slow)
{
	unsigned long long t0 = tgt_now_ns();

	lookup(slow);
	if (tgt_now_ns() - t0 >= THRESHOLD_NS)
		slow_seen++;
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 0), n, planned = 0;
	unsigned long long every = tgt_arg(argc, argv, 2, 5);

	if (!every)
		every = 5;
	tgt_init();
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	for (n = 0; tgt_more(n, want); n++) {
		int slow = (n + 1) % every == 0;

		planned += slow;
		serve_one(slow);
	}
	printf("calls=%llu slow=%llu slow_planned=%llu\n", n, slow_seen, planned);
	return 0;
}
