// SPDX-License-Identifier: GPL-2.0
/*
 * uselib [N]: call libsondetest.so's sondetest_spin_30us() N times (0 or none:
 * until SIGTERM). Linked with rpath $ORIGIN, so it finds the library next to
 * itself in build/targets/. Prints "calls=N" at exit.
 */
#include "targets.h"

void sondetest_spin_30us(void);

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 0), n;

	tgt_init();
	for (n = 0; tgt_more(n, want); n++)
		sondetest_spin_30us();
	printf("calls=%llu\n", n);
	return 0;
}
