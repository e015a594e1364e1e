// SPDX-License-Identifier: GPL-2.0
/*
 * ifunccalls [N]: calls memcpy N times through the PLT (glibc's memcpy is an
 * IFUNC), with sizes the compiler cannot see, and nothing else that copies
 * memory while traced: no memmove, no stdio (the summary is formatted here
 * and written with write(2)). Calls its own IFUNC, ifc_pick, as often: the
 * resolver picks ifc_pick_impl. 0 or none: until SIGTERM, 1 ms apart.
 * Prints "memcpy_calls=N" at exit.
 */
#include <unistd.h>
#include "targets.h"

static char src[256], dst[256];
static volatile size_t size_bias = 64;

static volatile int sink;

__attribute__((noinline)) static void ifc_pick_impl(void)
{
	TGT_ENTRY();
	sink++;
}

/* Runs once, in the dynamic linker, before main. */
static void (*ifc_pick_resolver(void))(void)
{
	return ifc_pick_impl;
}

void ifc_pick(void) __attribute__((ifunc("ifc_pick_resolver")));

/* "memcpy_calls=N\n" without stdio, whose own copies would go through memcpy too. */
static void say_calls(unsigned long long n)
{
	char buf[64] = "memcpy_calls=", digits[24];
	size_t len = 13, d = 0;

	do {
		digits[d++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (d)
		buf[len++] = digits[--d];
	buf[len++] = '\n';
	if (write(STDOUT_FILENO, buf, len) < 0)
		_exit(1);
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 0), n;

	tgt_init();
	for (n = 0; tgt_more(n, want); n++) {
		memcpy(dst, src, size_bias + (n & 63));
		ifc_pick();
		if (!want)
			tgt_sleep_ns(1000000);
	}
	say_calls(n);
	return dst[0];
}
