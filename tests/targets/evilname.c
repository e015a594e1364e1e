// SPDX-License-Identifier: GPL-2.0
/*
 * evilname [N [SPIN_US]]: a program whose symbol names attack the terminal
 * that prints them. The function named EVIL_NAME, whose name sets the window
 * title (OSC 0 ... BEL) and clears the screen (CSI 2J), is called N times
 * (default 1000; 0: until SIGTERM) from run_one(), spins SPIN_US (default 20)
 * and keeps a 1000-byte block each time (live until exit: a leak for sonde mem,
 * with the evil name as the innermost frame). Then CAFE_NAME ("café_step",
 * valid UTF-8 that must print unchanged) and plain_step() are called N times.
 * The names are quoted in the assembly: the assembler takes any byte but NUL
 * in a quoted symbol name.
 * Prints "calls=N evil=E cafe=C plain=P" at exit.
 */
#include "targets.h"

#define EVIL_NAME   "evil_\x1b]0;pwned\x07_title\x1b[2J"
#define CAFE_NAME   "caf\xc3\xa9_step"
#define BLOCK_BYTES 1000

void evil_fn(unsigned long long spin_ns) __asm__("\"" EVIL_NAME "\"");
void cafe_fn(void) __asm__("\"" CAFE_NAME "\"");

static unsigned long long evil_calls, cafe_calls, plain_calls;
static void *volatile kept;

__attribute__((noinline)) void evil_fn(unsigned long long spin_ns)
{
	TGT_ENTRY();
	kept = malloc(BLOCK_BYTES);
	evil_calls++;
	tgt_spin_ns(spin_ns);
}

__attribute__((noinline)) void cafe_fn(void)
{
	TGT_ENTRY();
	cafe_calls++;
}

__attribute__((noinline)) void plain_step(void)
{
	TGT_ENTRY();
	plain_calls++;
}

/* The caller of the evil function: the next frame of its stacks. */
__attribute__((noinline)) void run_one(unsigned long long spin_ns)
{
	evil_fn(spin_ns);
	TGT_BARRIER();
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 1000), n;
	unsigned long long spin_ns = tgt_arg(argc, argv, 2, 20) * 1000;

	tgt_init();
	for (n = 0; tgt_more(n, want); n++)
		run_one(spin_ns);
	for (n = 0; n < evil_calls; n++) {
		cafe_fn();
		plain_step();
	}
	printf("calls=%llu evil=%llu cafe=%llu plain=%llu\n", evil_calls, evil_calls, cafe_calls,
	       plain_calls);
	return 0;
}
