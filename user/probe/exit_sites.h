/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a function returns: its ret instructions and its tail jumps (a jmp
 * out of the function, with the frame already torn down). A uprobe there sees
 * the stack pointer the entry saw, so it can stand in for a return probe
 * (uretprobe) where rewriting the return address on the stack breaks the
 * program: Go's stack copying, C++ exception unwinding, JIT stack walkers.
 * The price: the kernel single-steps a ret (~12 us here); a jmp is emulated.
 */
#ifndef SONDE_EXIT_SITES_H
#define SONDE_EXIT_SITES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define SONDE_MAX_EXITS 32

/*
 * A soft exit may not leave the function: a jump whose target is no known
 * function (a cold part without a symbol, or a stripped function) or an
 * indirect jump that is no jump table. It ends the call only when the stack
 * pointer is exactly the entry's: the frame torn down, as before a tail call.
 */
#define SONDE_EXIT_SOFT	    0x1
#define SONDE_EXIT_EMULATED 0x2 /* a jmp: emulated, where a ret is single-stepped */
#define SONDE_EXIT_TAIL	    0x4 /* a direct jmp to a function's start: a tail call */
/* A tail call to a function that is traced too, its returns at its exits: the
 * call goes on in the callee and ends with it (probes_resolve() sets it). */
#define SONDE_EXIT_CHAINED 0x8

struct exit_sites {
	__s64 offsets[SONDE_MAX_EXITS]; /* from the function start; below 0 in its cold part */
	__u8 flags[SONDE_MAX_EXITS];	/* SONDE_EXIT_* */
	__u64 targets[SONDE_MAX_EXITS]; /* SONDE_EXIT_TAIL: the vaddr it jumps to */
	size_t nr;
	size_t stepped;	      /* how many of them the kernel single-steps (ret) */
	const char *unusable; /* why they cannot stand in for a return probe, or NULL */
	char insn[48];	      /* the instruction that makes them unusable, as text */
};

/* A function's code: its bytes and where they are loaded. */
struct code_range {
	const unsigned char *code;
	size_t len;
	__u64 vaddr;
};

/*
 * Decode the function `fn` and find its exits. `cold`, when its len is not 0,
 * is the function's cold part (gcc's "fn.cold"): jumps between the two stay
 * inside the function, and the cold part's own returns are the function's.
 */
struct exit_opts {
	/* Whether a function starts at vaddr: a jump there is a tail call. */
	bool (*is_entry)(const void *ctx, __u64 vaddr);
	const void *ctx;
	bool soft; /* soft exits allowed (not for Go, paired without stack pointers) */
};

int exit_sites_find(const struct code_range *fn, const struct code_range *cold,
		    const struct exit_opts *o, struct exit_sites *out);

#endif
