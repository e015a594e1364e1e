// SPDX-License-Identifier: GPL-2.0
/*
 * slowcalls [N [EVERY]]: serve_one() calls lookup() N times (0 or none:
 * until SIGTERM). lookup spins 100 us, except every EVERY-th call (default
 * 5: calls 5, 10, 15, ...), which sleeps 3 ms: a known set of slow calls for
 * --slower-than 1ms, far from the threshold on both sides.
 * Each lookup is timed twice: inside it (lookup's own clock, a window inside
 * any tracer's) and around it (serve_one's clock, a window that also holds
 * the probes' work before and after, and any preemption there). A tracer's
 * count of calls >= 1 ms lies between the two counts (slow_inner,
 * slow_outer); calls timed within 20 us of 1 ms inside ("near") may fall on
 * either side. The calls come from serve_one, which main calls: a slow
 * call's user stack is serve_one, main, ... (frame pointers, no inlining).
 * Prints "calls=N slow=M slow_inner=I slow_outer=O slow_planned=K near=J" at
 * exit (slow is slow_outer).
 */
#include <sys/prctl.h>
#include "targets.h"

#define SLOW_NS	     3000000ull
#define FAST_NS	     100000ull
#define THRESHOLD_NS 1000000ull

#define NEAR_NS	     20000ull

static unsigned long long slow_inner, slow_outer, near_seen;

__attribute__((noinline)) void lookup(int slow)
{
	unsigned long long t0, dt;

	TGT_ENTRY();
	t0 = tgt_now_ns();
	if (slow)
		tgt_sleep_ns(SLOW_NS);
	else
		tgt_spin_ns(FAST_NS);
	dt = tgt_now_ns() - t0;
	slow_inner += dt >= THRESHOLD_NS;
	near_seen += dt + NEAR_NS >= THRESHOLD_NS && dt <= THRESHOLD_NS + NEAR_NS;
}

__attribute__((noinline)) void serve_one(int slow)
{
	unsigned long long t0 = tgt_now_ns();

	lookup(slow);
	if (tgt_now_ns() - t0 >= THRESHOLD_NS)
		slow_outer++;
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
	printf("calls=%llu slow=%llu slow_inner=%llu slow_outer=%llu slow_planned=%llu near=%llu\n",
	       n, slow_outer, slow_inner, slow_outer, planned, near_seen);
	return 0;
}
