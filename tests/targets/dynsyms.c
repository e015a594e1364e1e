// SPDX-License-Identifier: GPL-2.0
/*
 * dynsyms [N]: linked with -rdynamic, so its global functions are in .dynsym;
 * hidden_fn is static and lives only in .symtab. build/targets/dynsyms.stripped
 * is a stripped copy: there visible_fn can still be probed and hidden_fn
 * cannot. Calls both N times (0 or none: until SIGTERM, 1 ms apart).
 * Prints "calls=N" at exit.
 */
#include "targets.h"

static volatile int sink;

__attribute__((noinline)) void visible_fn(void)
{
	TGT_ENTRY();
	sink += 1;
}

__attribute__((noinline)) static void hidden_fn(void)
{
	TGT_ENTRY();
	sink += 2;
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 0), n;

	tgt_init();
	for (n = 0; tgt_more(n, want); n++) {
		visible_fn();
		hidden_fn();
		if (!want)
			tgt_sleep_ns(1000000);
	}
	printf("calls=%llu\n", n);
	return 0;
}
