// SPDX-License-Identifier: GPL-2.0
/* Probe-site choice on hand-assembled functions: where the probe goes, and why not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "probe/site_choice.h"
#include "probe/uprobe_insn.h"
#include "probe/exit_sites.h"

#define VADDR 0x1000

static struct site_choice choose(const unsigned char *code, size_t len, bool reads_args)
{
	struct site_choice c;

	assert_int_equal(site_choose(code, len, VADDR, reads_args, true, &c), 0);
	return c;
}

#define CHOOSE(bytes, args) choose(bytes, sizeof(bytes), args)

static void test_push_first_stays(void **state)
{
	/* push rbp; mov rbp,rsp; pop rbp; ret */
	static const unsigned char f[] = {0x55, 0x48, 0x89, 0xe5, 0x5d, 0xc3};
	struct site_choice c = CHOOSE(f, true);

	(void)state;
	assert_int_equal(c.offset, 0);
	assert_true(c.emulated);
	assert_int_equal(c.reason, SITE_START_EMULATED);
	assert_string_equal(c.chosen, "push rbp");
}

static void test_endbr64_then_push(void **state)
{
	/* endbr64; push rbp; mov rbp,rsp; pop rbp; ret: as Debian builds them */
	static const unsigned char f[] = {0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xe5, 0x5d, 0xc3};
	struct site_choice c = CHOOSE(f, true);

	(void)state;
	assert_int_equal(c.offset, 4);
	assert_true(c.emulated);
	assert_int_equal(c.reason, SITE_MOVED);
	assert_string_equal(c.first, "endbr64");
}

static void test_test_then_je(void **state)
{
	/* glibc free: test rdi,rdi; je +5; ...; ret */
	static const unsigned char f[] = {0x48, 0x85, 0xff, 0x74, 0x05, 0x48, 0x8b, 0x07,
					  0x90, 0x90, 0xc3};
	struct site_choice c = CHOOSE(f, true);

	(void)state;
	assert_int_equal(c.offset, 3);
	assert_int_equal(c.reason, SITE_MOVED);
}

static void test_rip_load_test_jne(void **state)
{
	/* mov rax,[rip+0]; test rax,rax; jne +1; ret; ret */
	static const unsigned char f[] = {0x48, 0x8b, 0x05, 0x00, 0x00, 0x00, 0x00, 0x48,
					  0x85, 0xc0, 0x75, 0x01, 0xc3, 0xc3};
	struct site_choice c = CHOOSE(f, true);

	(void)state;
	assert_int_equal(c.offset, 10);
	assert_true(c.emulated);
}

static void test_no_emulated_before_ret(void **state)
{
	/* lea rax,[rdi+1]; ret: nothing to move to */
	static const unsigned char f[] = {0x48, 0x8d, 0x47, 0x01, 0xc3};
	struct site_choice c = CHOOSE(f, true);

	(void)state;
	assert_int_equal(c.offset, 0);
	assert_false(c.emulated);
	assert_int_equal(c.reason, SITE_UNSAFE_INSN);
	assert_string_equal(c.blocker, "ret");
}

static void test_rsp_change_blocks(void **state)
{
	/* sub rsp,8; push rbx: the return address is no longer at the stack top */
	static const unsigned char f[] = {0x48, 0x83, 0xec, 0x08, 0x53, 0x5b, 0x48, 0x83, 0xc4,
					  0x08, 0xc3};
	struct site_choice c = CHOOSE(f, false);

	(void)state;
	assert_int_equal(c.offset, 0);
	assert_int_equal(c.reason, SITE_UNSAFE_INSN);
}

static void test_argument_write(void **state)
{
	/* mov edx,eax; test edx,edx; jne +1; ret; ret */
	static const unsigned char f[] = {0x89, 0xc2, 0x85, 0xd2, 0x75, 0x01, 0xc3, 0xc3};
	struct site_choice c;

	(void)state;
	/* A probe that reads arguments must see rdx as the caller set it. */
	c = CHOOSE(f, true);
	assert_int_equal(c.offset, 0);
	assert_int_equal(c.reason, SITE_UNSAFE_INSN);
	/* One that reads only rsp (sonde lat) may move past it. */
	c = CHOOSE(f, false);
	assert_int_equal(c.offset, 4);
}

static void test_branch_into_skipped_code(void **state)
{
	/* endbr64; push rbp; nop; jmp back to the push (+4): it is reached twice per call */
	static const unsigned char f[] = {0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x90, 0xeb, 0xfc};
	struct site_choice c = CHOOSE(f, true);

	(void)state;
	assert_int_equal(c.offset, 0);
	assert_int_equal(c.reason, SITE_BRANCH_TARGET);
}

static void test_indirect_jump(void **state)
{
	/* endbr64; push rbp; jmp rax: a jump table could land anywhere */
	static const unsigned char f[] = {0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0xff, 0xe0};
	struct site_choice c = CHOOSE(f, true);

	(void)state;
	assert_int_equal(c.offset, 0);
	assert_int_equal(c.reason, SITE_INDIRECT_JUMP);
}

static void test_undecodable(void **state)
{
	/* 0x06 (push es) does not exist in 64-bit mode: the kernel refuses it too */
	static const unsigned char f[] = {0x06, 0x06, 0x06};
	struct site_choice c = CHOOSE(f, true);

	(void)state;
	assert_int_equal(c.offset, 0);
	assert_false(c.emulated);
	assert_true(c.refused);
	assert_int_equal(c.reason, SITE_REFUSED);
}

/* --no-site-choice: the probe stays at the start, and its shape is still known. */
static void test_no_move(void **state)
{
	static const unsigned char endbr[] = {0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x5d, 0xc3};
	static const unsigned char push[] = {0x55, 0x5d, 0xc3};
	struct site_choice c;

	(void)state;
	assert_int_equal(site_choose(endbr, sizeof(endbr), VADDR, false, false, &c), 0);
	assert_int_equal(c.offset, 0);
	assert_false(c.emulated);
	assert_int_equal(c.reason, SITE_DISABLED);
	assert_int_equal(site_choose(push, sizeof(push), VADDR, false, false, &c), 0);
	assert_true(c.emulated);
}

#define FATE(...)                                                                                  \
	({                                                                                         \
		static const unsigned char b_[] = {__VA_ARGS__};                                   \
		uprobe_insn_fate(b_, sizeof(b_), NULL);                                            \
	})

/* The kernel's verdicts (arch/x86/kernel/uprobes.c), one instruction each. */
static void test_kernel_fates(void **state)
{
	const char *why = NULL;
	static const unsigned char lock_add[] = {0xf0, 0x83, 0x04, 0x24, 0x00};

	(void)state;
	assert_int_equal(uprobe_insn_fate(lock_add, sizeof(lock_add), &why), UPROBE_INSN_REFUSED);
	assert_string_equal(why, "a LOCK prefix");
	/* cs nopw 0(%rax,%rax): gcc's padding; ds (notrack) jmp *%rax */
	assert_int_equal(FATE(0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00),
			 UPROBE_INSN_REFUSED);
	assert_int_equal(FATE(0x3e, 0xff, 0xe0), UPROBE_INSN_REFUSED);
	/* xchg ax,ax: one of the kernel's NOPs; a jmp with a 0x66 prefix is refused */
	assert_int_equal(FATE(0x66, 0x90), UPROBE_INSN_EMULATED);
	assert_int_equal(FATE(0x66, 0xe9, 0, 0), UPROBE_INSN_REFUSED);
	/* vpor xmm0,xmm0,xmm1 (c5 f9 eb c1): "emulated" as a jmp by the kernel; vzeroupper */
	assert_int_equal(FATE(0xc5, 0xf9, 0xeb, 0xc1), UPROBE_INSN_REFUSED);
	assert_int_equal(FATE(0xc5, 0xf8, 0x77), UPROBE_INSN_REFUSED);
	assert_int_equal(FATE(0x62, 0xf1, 0x7d, 0x48, 0xef, 0xc0), UPROBE_INSN_REFUSED);
	assert_int_equal(FATE(0x8f, 0xc1), UPROBE_INSN_STEPPED); /* pop rcx (8f /0) */
	assert_int_equal(FATE(0xcc), UPROBE_INSN_REFUSED);	   /* int3 */
	assert_int_equal(FATE(0xf4), UPROBE_INSN_REFUSED);	   /* hlt */
	assert_int_equal(FATE(0x8e, 0xd0), UPROBE_INSN_REFUSED); /* mov ss, eax */
	assert_int_equal(FATE(0x55), UPROBE_INSN_EMULATED);	   /* push rbp */
	assert_int_equal(FATE(0x41, 0x54), UPROBE_INSN_EMULATED); /* push r12 */
	assert_int_equal(FATE(0x90), UPROBE_INSN_EMULATED);
	assert_int_equal(FATE(0xf3, 0x90), UPROBE_INSN_EMULATED); /* pause: a prefixed 0x90 */
	assert_int_equal(FATE(0x0f, 0x1f, 0x44, 0x00, 0x00), UPROBE_INSN_EMULATED); /* nop5 */
	assert_int_equal(FATE(0x0f, 0x1f, 0x40, 0x00), UPROBE_INSN_EMULATED);	      /* nop4 */
	assert_int_equal(FATE(0x0f, 0x1f, 0x40, 0x01), UPROBE_INSN_STEPPED); /* not a kernel NOP */
	assert_int_equal(FATE(0xe9, 0, 0, 0, 0), UPROBE_INSN_EMULATED);
	assert_int_equal(FATE(0x0f, 0x85, 0, 0, 0, 0), UPROBE_INSN_EMULATED);
	assert_int_equal(FATE(0xf3, 0x0f, 0x1e, 0xfa), UPROBE_INSN_STEPPED); /* endbr64 */
	assert_int_equal(FATE(0xc3), UPROBE_INSN_STEPPED);		      /* ret */
	assert_int_equal(FATE(0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0), /* mov rax, fs:0x28 */
			 UPROBE_INSN_STEPPED);
}

/* A probe moves past a LOCK-prefixed instruction, never onto a refused NOP. */
static void test_refused_sites(void **state)
{
	/* lock add [rsp],0; push rbp; pop rbp; ret (postgres SetLatch's shape) */
	static const unsigned char lock_then_push[] = {0xf0, 0x83, 0x04, 0x24, 0x00,
						       0x55, 0x5d, 0xc3};
	/* lock add [rsp],0; ret */
	static const unsigned char lock_then_ret[] = {0xf0, 0x83, 0x04, 0x24, 0x00, 0xc3};
	/* mov eax,edi; cs nopw ...; add eax,3; ret */
	static const unsigned char segnop[] = {0x89, 0xf8, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00,
					       0x00, 0x00, 0x00, 0x00, 0x83, 0xc0, 0x03, 0xc3};
	struct site_choice c;

	(void)state;
	c = CHOOSE(lock_then_push, false);
	assert_int_equal(c.offset, 5);
	assert_false(c.refused);
	c = CHOOSE(lock_then_ret, false);
	assert_true(c.refused);
	assert_int_equal(c.reason, SITE_REFUSED);
	assert_string_equal(c.refusal, "a LOCK prefix");
	c = CHOOSE(segnop, false);
	assert_int_equal(c.offset, 0);
	assert_false(c.refused);
	assert_false(c.emulated);
	/* With site choice off, a refused first instruction is still found out. */
	assert_int_equal(site_choose(lock_then_push, sizeof(lock_then_push), VADDR, false, false, &c),
			 0);
	assert_true(c.refused);
}

static bool at_0x2000(const void *ctx, __u64 vaddr)
{
	(void)ctx;
	return vaddr == 0x2000;
}

/* Exits: rets and jumps out of the function, not jumps into its cold part. */
static void test_exit_sites(void **state)
{
	/* 0: push rbp; 1: test edi,edi; 3: je +0x20 (to 0x1025, the cold part);
	 * 5: pop rbp; 6: ret; 7: jmp 0x2000 (a tail call, rel32) */
	static const unsigned char fn[] = {0x55, 0x85, 0xff, 0x74, 0x20, 0x5d, 0xc3,
					   0xe9, 0xf4, 0x0f, 0x00, 0x00};
	/* at 0x1025: jmp back to 0x1005; ret */
	static const unsigned char cold[] = {0xeb, 0xde, 0xc3};
	/* je 0x2000, a function: a conditional tail call, which no exit can stand for */
	static const unsigned char jcc_out[] = {0x85, 0xff, 0x0f, 0x84, 0xf8, 0x0f, 0x00, 0x00, 0xc3};
	struct code_range f = {fn, sizeof(fn), VADDR}, c = {cold, sizeof(cold), VADDR + 0x25};
	struct code_range none = {0}, j = {jcc_out, sizeof(jcc_out), VADDR};
	struct exit_opts hard = {0}, entries = {.is_entry = at_0x2000, .soft = true};
	struct exit_sites x;

	(void)state;
	assert_int_equal(exit_sites_find(&f, &c, &hard, &x), 0);
	assert_null(x.unusable);
	assert_int_equal(x.nr, 3);
	assert_int_equal(x.offsets[0], 6);    /* ret */
	assert_int_equal(x.offsets[1], 7);    /* the tail jmp */
	assert_int_equal(x.offsets[2], 0x27); /* the cold part's ret */
	assert_int_equal(x.stepped, 2);
	assert_int_equal(x.flags[1], SONDE_EXIT_EMULATED);
	/* Without its cold part known, the je into it is no exit, and the tail jmp is
	 * soft unless a function starts at its target. */
	assert_int_equal(exit_sites_find(&f, &none, &entries, &x), 0);
	assert_null(x.unusable);
	assert_int_equal(x.nr, 2);
	/* A tail call, whose target is kept: a traced one chains the two calls. */
	assert_int_equal(x.flags[1], SONDE_EXIT_EMULATED | SONDE_EXIT_TAIL);
	assert_int_equal(x.targets[1], 0x2000);
	entries.is_entry = NULL;
	assert_int_equal(exit_sites_find(&f, &none, &entries, &x), 0);
	assert_int_equal(x.flags[1], SONDE_EXIT_EMULATED | SONDE_EXIT_SOFT);
	/* A conditional jump to a function is a conditional tail call. */
	entries.is_entry = at_0x2000;
	assert_int_equal(exit_sites_find(&j, &none, &entries, &x), 0);
	assert_string_equal(x.unusable, "a conditional tail call leaves the function");
}

/* An indirect jmp: a jump table (table load, notrack) is no exit; a bare one is soft. */
static void test_indirect_exits(void **state)
{
	/* movslq (%rdx,%rax,4),%rax; add %rdx,%rax; jmp *%rax */
	static const unsigned char table[] = {0x48, 0x63, 0x04, 0x82, 0x48, 0x01, 0xd0, 0xff, 0xe0};
	/* mov 0x8(%rdi),%rax; pop %rbp; jmp *%rax */
	static const unsigned char tail[] = {0x48, 0x8b, 0x47, 0x08, 0x5d, 0xff, 0xe0};
	struct code_range t = {table, sizeof(table), VADDR}, c = {tail, sizeof(tail), VADDR};
	struct code_range none = {0};
	struct exit_opts o = {.soft = true};
	struct exit_sites x;

	(void)state;
	assert_int_equal(exit_sites_find(&t, &none, &o, &x), 0);
	assert_non_null(x.unusable); /* no exit at all */
	assert_int_equal(exit_sites_find(&c, &none, &o, &x), 0);
	assert_null(x.unusable);
	assert_int_equal(x.nr, 1);
	assert_int_equal(x.offsets[0], 5);
	assert_int_equal(x.flags[0], SONDE_EXIT_SOFT);
	/* Go pairs calls without stack pointers: no soft exits. */
	o.soft = false;
	assert_int_equal(exit_sites_find(&c, &none, &o, &x), 0);
	assert_non_null(x.unusable);
}

/* Go: past the stack-bound check and the frame set-up, to the first emulated instruction. */
static void test_go_prologue(void **state)
{
	static const unsigned char f[] = {
	    0x49, 0x3b, 0x66, 0x10,	  /* 0: cmp rsp, [r14+0x10] */
	    0x76, 0x1d,			  /* 4: jbe 35 (grow the stack) */
	    0x48, 0x83, 0xec, 0x18,	  /* 6: sub rsp, 0x18 */
	    0x48, 0x89, 0x6c, 0x24, 0x10, /* 10: mov [rsp+0x10], rbp */
	    0x48, 0x8d, 0x6c, 0x24, 0x10, /* 15: lea rbp, [rsp+0x10] */
	    0xe8, 0x00, 0x00, 0x00, 0x00, /* 20: call */
	    0x48, 0x8b, 0x6c, 0x24, 0x10, /* 25: mov rbp, [rsp+0x10] */
	    0x48, 0x83, 0xc4, 0x18,	  /* 30: add rsp, 0x18 */
	    0xc3,			  /* 34: ret */
	    0xe8, 0x00, 0x00, 0x00, 0x00, /* 35: call runtime.morestack */
	    0xeb, 0xd6,			  /* 40: jmp 0, the function again */
	};
	struct site_choice c;

	(void)state;
	assert_int_equal(site_choose_go(f, sizeof(f), VADDR, true, &c), 0);
	assert_int_equal(c.offset, 20);
	assert_true(c.emulated);
	assert_int_equal(c.reason, SITE_GO_PROLOGUE);
	/* Without site choice: the first instruction, as for any function. */
	assert_int_equal(site_choose_go(f, sizeof(f), VADDR, false, &c), 0);
	assert_int_equal(c.offset, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_push_first_stays),
	    cmocka_unit_test(test_endbr64_then_push),
	    cmocka_unit_test(test_test_then_je),
	    cmocka_unit_test(test_rip_load_test_jne),
	    cmocka_unit_test(test_no_emulated_before_ret),
	    cmocka_unit_test(test_rsp_change_blocks),
	    cmocka_unit_test(test_argument_write),
	    cmocka_unit_test(test_branch_into_skipped_code),
	    cmocka_unit_test(test_indirect_jump),
	    cmocka_unit_test(test_undecodable),
	    cmocka_unit_test(test_no_move),
	    cmocka_unit_test(test_kernel_fates),
	    cmocka_unit_test(test_refused_sites),
	    cmocka_unit_test(test_exit_sites),
	    cmocka_unit_test(test_indirect_exits),
	    cmocka_unit_test(test_go_prologue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
