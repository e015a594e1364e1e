// SPDX-License-Identifier: GPL-2.0
/*
 * unprobeable [N]: call each of four functions N times (default 1000) and
 * print their results. Their first instructions are ones the kernel treats
 * differently under a uprobe (arch/x86/kernel/uprobes.c):
 *   lock_entry   lock addl $0,(%rsp); ret         refused (LOCK prefix), and
 *                                                 nothing safe after it
 *   lock_skip    lock addl $0,(%rsp); push; ...   the probe can move past it
 *   segnop_fn    mov; cs nopw ...; add; ret       site choice must not move
 *                                                 onto the cs-prefixed NOP
 *   plain_fn     push %rbp; ...                   emulated
 * Prints "lock_entry=N lock_skip=N segnop=S plain=S".
 */
#include "targets.h"

int lock_entry(void);
int lock_skip(int x);
int segnop_fn(int x);

asm(".text\n"
    ".globl lock_entry\n.type lock_entry,@function\n"
    "lock_entry:\n"
    "	lock addl $0,(%rsp)\n"
    "	movl $1,%eax\n"
    "	ret\n"
    ".size lock_entry,.-lock_entry\n"
    ".globl lock_skip\n.type lock_skip,@function\n"
    "lock_skip:\n"
    "	lock addl $0,(%rsp)\n"
    "	push %rbp\n"
    "	leal 2(%rdi),%eax\n"
    "	pop %rbp\n"
    "	ret\n"
    ".size lock_skip,.-lock_skip\n"
    ".globl segnop_fn\n.type segnop_fn,@function\n"
    "segnop_fn:\n"
    "	movl %edi,%eax\n"
    "	.byte 0x66,0x2e,0x0f,0x1f,0x84,0x00,0x00,0x00,0x00,0x00\n" /* cs nopw 0(%rax,%rax) */
    "	addl $3,%eax\n"
    "	ret\n"
    ".size segnop_fn,.-segnop_fn\n");

__attribute__((noinline)) int plain_fn(int x)
{
	TGT_ENTRY();
	return x + 4;
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 1000), n;
	long long a = 0, b = 0, c = 0, d = 0;

	tgt_init();
	for (n = 0; tgt_more(n, want); n++) {
		a += lock_entry();
		b += lock_skip((int)(n & 1));
		c += segnop_fn((int)(n & 0xf));
		d += plain_fn((int)(n & 0xf));
	}
	printf("lock_entry=%lld lock_skip=%lld segnop=%lld plain=%lld\n", a, b, c, d);
	return 0;
}
