// SPDX-License-Identifier: GPL-2.0
/*
 * abswitch [N [SLOWER]]: a "release" with three request steps, for sonde diff.
 * Each of the N iterations calls step_parse (40 us), step_lookup (100 us) and
 * step_render (60 us). With SLOWER = 1 ("the new build"), step_lookup takes
 * 130 us: exactly one function 30 % slower, the others unchanged; with
 * SLOWER = 2, 200 us: twice as slow. Prints "calls=N lookup_us=100|130|200".
 */
#include "targets.h"

static unsigned long long lookup_us = 100;

__attribute__((noinline)) void step_parse(void)
{
	TGT_ENTRY();
	tgt_spin_ns(40 * 1000ull);
}

__attribute__((noinline)) void step_lookup(void)
{
	TGT_ENTRY();
	tgt_spin_ns(lookup_us * 1000ull);
}

__attribute__((noinline)) void step_render(void)
{
	TGT_ENTRY();
	tgt_spin_ns(60 * 1000ull);
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 0), n;

	if (tgt_arg(argc, argv, 2, 0))
		lookup_us = tgt_arg(argc, argv, 2, 0) == 2 ? 200 : 130;
	tgt_init();
	for (n = 0; tgt_more(n, want); n++) {
		step_parse();
		step_lookup();
		step_render();
	}
	printf("calls=%llu lookup_us=%llu\n", n, lookup_us);
	return 0;
}
