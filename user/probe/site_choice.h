/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where to put a function's entry probe. The kernel emulates a few x86
 * instructions under a uprobe (push reg, nop, jmp/jcc/call rel) and
 * single-steps the rest, which costs ~20x more on these machines (DESIGN.md).
 * Debian builds start functions with endbr64 (single-stepped); glibc's free
 * starts with test. When safe, the probe moves to the first emulated
 * instruction instead.
 */
#ifndef SONDE_SITE_CHOICE_H
#define SONDE_SITE_CHOICE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

enum site_reason {
	SITE_START_EMULATED, /* the first instruction is emulated already */
	SITE_MOVED,	     /* moved past straight-line code to an emulated one */
	SITE_NO_CANDIDATE,   /* no emulated instruction after safe straight-line code */
	SITE_UNSAFE_INSN,   /* an instruction before it branches, moves rsp or writes an argument */
	SITE_BRANCH_TARGET, /* a branch in the function lands inside the skipped code */
	SITE_INDIRECT_JUMP, /* an indirect jump could land anywhere */
	SITE_DECODE_FAILED, /* the bytes do not decode as x86-64 */
	SITE_DISABLED,	    /* --no-site-choice */
	SITE_REFUSED,	    /* the kernel refuses a uprobe there, and nothing safe follows */
	SITE_GO_PROLOGUE,   /* after a Go function's stack-bound check */
	SITE_EXIT_FIRST,    /* an exit probe (exit_sites.h) comes before any better site */
};

struct site_choice {
	__u32 offset;  /* bytes from the function start to the probed instruction */
	bool emulated; /* the probed instruction is emulated by the kernel */
	bool refused;  /* the kernel refuses a uprobe on it: the function is not probed */
	const char *refusal; /* why, in words ("a LOCK prefix"), when refused */
	enum site_reason reason;
	char first[48];	  /* the function's first instruction, as text */
	char chosen[48];  /* the probed instruction, as text */
	char blocker[48]; /* SITE_UNSAFE_INSN: the instruction that stopped the search */
};

/*
 * Choose for a function whose bytes are code[0..len), loaded at vaddr. The
 * instructions skipped must be straight-line and leave rsp unchanged (the
 * return probe reads the return address at the stack top); with reads_args,
 * they must also leave the argument registers (rdi, rsi, rdx, rcx, r8, r9)
 * alone, for probes that read arguments. Without move, the probe stays at the
 * start and only whether the kernel emulates it there is found out. A site
 * the kernel would refuse (uprobe_insn.h) is never chosen; a function whose
 * first instruction is refused, with no safe site after it, comes back
 * refused.
 */
int site_choose(const unsigned char *code, size_t len, __u64 vaddr, bool reads_args, bool move,
		struct site_choice *out);

/*
 * A Go function: the probe goes right after the stack-bound check that opens
 * most Go functions (cmp rsp,[r14+16]; jbe morestack), whose slow path grows
 * the stack and jumps back to the start: a probe before it would fire twice
 * for one call. Without that prologue, as site_choose().
 */
int site_choose_go(const unsigned char *code, size_t len, __u64 vaddr, bool move,
		   struct site_choice *out);

const char *site_reason_text(enum site_reason r);

#endif
