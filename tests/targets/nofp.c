// SPDX-License-Identifier: GPL-2.0
/*
 * nofp RATE BYTES SECONDS: built with -fomit-frame-pointer, where %rbp is
 * just another register. text_alloc() mallocs BYTES RATE times a second
 * (never freed) with %rbp pointing at a buffer of text on the stack, as
 * such code leaves it, so a walk by frame pointers takes the text for a
 * saved %rbp and a return address (0x766520726f662029: ") for ev"). The
 * compiler's choice of registers is not left to chance: the call is made in
 * asm, with %rbp set. Prints "nofp allocs=N".
 */
#include "targets.h"

void *volatile tgt_sink;

/* malloc(n) with %rbp = fake_fp: what a frame-pointer walk from malloc's return sees. */
__attribute__((noinline)) void *text_alloc(size_t n, void *fake_fp)
{
	void *p;

	TGT_ENTRY();
	/* %rbx keeps %rsp while it is aligned to 16 bytes for the call (the ABI). */
	__asm__ volatile("push %%rbp\n\t"
			 "mov %%rsp, %%rbx\n\t"
			 "and $-16, %%rsp\n\t"
			 "mov %%rsi, %%rbp\n\t"
			 "call malloc@PLT\n\t"
			 "mov %%rbx, %%rsp\n\t"
			 "pop %%rbp"
			 : "=a"(p), "+D"(n), "+S"(fake_fp)
			 :
			 : "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc", "xmm0",
			   "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7");
	return p;
}

int main(int argc, char **argv)
{
	unsigned long long rate = tgt_arg(argc, argv, 1, 100), secs = tgt_arg(argc, argv, 3, 2);
	unsigned long long t0, n = 0;
	size_t bytes = tgt_arg(argc, argv, 2, 512);
	/* Above text_alloc's frame, 8-byte aligned: the walk reads it as a frame. */
	char text[64] __attribute__((aligned(16))) = "(padding) for every frame (text!)";
	struct timespec period = {0, (long)(1000000000ull / rate)};

	tgt_init();
	t0 = tgt_now_ns();
	while (!tgt_stop && tgt_now_ns() - t0 < secs * 1000000000ull) {
		tgt_sink = text_alloc(bytes, text);
		n++;
		nanosleep(&period, NULL);
	}
	printf("nofp allocs=%llu\n", n);
	return 0;
}
