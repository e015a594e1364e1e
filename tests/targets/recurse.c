// SPDX-License-Identifier: GPL-2.0
/*
 * recurse [N [DEPTH]]: call recurse(DEPTH) N times from main (0: until
 * SIGTERM); each call recurses until DEPTH frames of recurse are on the stack,
 * so recurse runs N * DEPTH times. DEPTH defaults to 20.
 * Prints "calls=N depth=DEPTH recurse_calls=N*DEPTH" at exit.
 */
#include "targets.h"

static unsigned long long recurse_calls;

__attribute__((noinline)) void recurse(int depth)
{
	TGT_ENTRY();
	recurse_calls++;
	if (depth > 1)
		recurse(depth - 1);
	TGT_BARRIER(); /* no tail call: every frame returns through its own ret */
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 0), n;
	int depth = (int)tgt_arg(argc, argv, 2, 20);

	if (depth < 1)
		depth = 20;
	tgt_init();
	for (n = 0; tgt_more(n, want); n++)
		recurse(depth);
	printf("calls=%llu depth=%d recurse_calls=%llu\n", n, depth, recurse_calls);
	return 0;
}
