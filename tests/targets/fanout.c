// SPDX-License-Identifier: GPL-2.0
/*
 * fanout [N]: twelve functions fan_00 .. fan_11, each called N times per
 * round (0 or none: rounds until SIGTERM, with a 1 ms sleep between them).
 * For `sonde list` (twelve known names, addresses and sizes) and for
 * --max-probes (a glob that matches exactly twelve functions).
 * Prints "functions=12 calls_each=N" at exit.
 */
#include "targets.h"

static volatile int sink;

/* Twelve functions, one line each in the table below. */
/* clang-format off */
#define FAN(i)                                                  \
	__attribute__((noinline)) void fan_##i(void)            \
	{                                                       \
		TGT_ENTRY();                                    \
		sink += 1;                                      \
	}
FAN(00) FAN(01) FAN(02) FAN(03) FAN(04) FAN(05)
FAN(06) FAN(07) FAN(08) FAN(09) FAN(10) FAN(11)

static void (*const fans[])(void) = { fan_00, fan_01, fan_02, fan_03, fan_04, fan_05,
				      fan_06, fan_07, fan_08, fan_09, fan_10, fan_11 };
/* clang-format on */

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 0), n;
	size_t i;

	tgt_init();
	for (n = 0; tgt_more(n, want); n++) {
		for (i = 0; i < sizeof(fans) / sizeof(fans[0]); i++)
			fans[i]();
		if (!want)
			tgt_sleep_ns(1000000);
	}
	printf("functions=12 calls_each=%llu\n", n);
	return 0;
}
