/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the x86-64 kernel does with a uprobe on an instruction, from its raw
 * bytes: emulates it (cheap), single-steps it out of line (~20x dearer on
 * these machines), or refuses the probe (ENOTSUPP, errno 524).
 *
 * The rules restate arch/x86/kernel/uprobes.c (uprobe_init_insn,
 * is_prefix_bad, insn_masking_exception, the good_insns_64 table,
 * branch_setup_xol_ops, push_setup_xol_ops) as of Linux 6.18, and its
 * 5-byte-NOP optimization (6.16+). The kernel checks a probe when it installs
 * it into a mapped image: for a running process at attach, for a binary not
 * yet mapped at its first mmap, where a refusal is silent. Checking first is
 * the only way `-- CMD` and `-b` can say that a function was not probed.
 */
#ifndef SONDE_UPROBE_INSN_H
#define SONDE_UPROBE_INSN_H

#include <stddef.h>

enum uprobe_insn_fate {
	UPROBE_INSN_EMULATED,
	UPROBE_INSN_STEPPED,
	UPROBE_INSN_REFUSED,
};

/*
 * The fate of a probe on the instruction at code[0..len) (len: its length as
 * decoded). With `why`, a refusal's reason in words: "a LOCK prefix".
 */
enum uprobe_insn_fate uprobe_insn_fate(const unsigned char *code, size_t len, const char **why);

/* The kernel's ENOTSUPP (524), which strerror() calls "Unknown error 524". */
#define SONDE_ENOTSUPP 524

/* strerror() for errors of uprobe attach, with the kernel-internal ones in words. */
const char *uprobe_strerror(int err);

#endif
