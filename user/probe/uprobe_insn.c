// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <string.h>
#include "probe/uprobe_insn.h"

/*
 * One-byte opcodes the kernel accepts in 64-bit code (good_insns_64): the
 * rows are 0x00-0x0f, 0x10-0x1f, ...; a 0 is refused. Refused are the
 * opcodes invalid in 64-bit mode (06, 07, 0e, 16, 17, 1e, 1f, 27, 2f, 37,
 * 3f, 60-62, 82, 9a, d4-d6, ea), in/out (6c-6f, e4-e7, ec-ef), int3, int,
 * into, iret (cc-cf), int1 (f1), hlt (f4), cli/sti (fa, fb). 0x0f (two- and
 * three-byte opcodes) is accepted whole.
 */
static const unsigned short good_insns_64[16] = {
    0xbf3f, 0x3f3f, 0x7f7f, 0x7f7f, 0xffff, 0xffff, 0x0ff8, 0xffff,
    0xfffb, 0xfbff, 0xffff, 0xffff, 0x0fff, 0xff8f, 0x0b0f, 0xf3ed,
};

static int good_opcode(unsigned char op)
{
	return good_insns_64[op >> 4] >> (op & 15) & 1;
}

static int is_legacy_prefix(unsigned char b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return 1;
	}
	return 0;
}

static enum uprobe_insn_fate refused(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return UPROBE_INSN_REFUSED;
}

/*
 * The kernel's P6 NOPs (x86_nops[], lengths 1 to 8), which branch emulation
 * takes as a jump to the next instruction; on 6.16+ a probe on the 5-byte one
 * becomes a call to a trampoline, cheaper still.
 */
static bool is_kernel_nop(const unsigned char *code, size_t len)
{
	static const unsigned char nops[8][8] = {
	    {0x90},
	    {0x66, 0x90},
	    {0x0f, 0x1f, 0x00},
	    {0x0f, 0x1f, 0x40, 0x00},
	    {0x0f, 0x1f, 0x44, 0x00, 0x00},
	    {0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00},
	    {0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00},
	    {0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
	};

	return len >= 1 && len <= 8 && !memcmp(code, nops[len - 1], len);
}

/*
 * VEX (c4, c5), EVEX (62) and XOP (8f with a map above 7) instructions: the
 * kernel's decoder takes the opcode inside the encoding for the instruction,
 * so `vpor` (c5 f9 eb) is "emulated" as a jmp and never executed, and others
 * are refused. None is probed.
 */
static bool is_vex_like(const unsigned char *op, size_t left)
{
	if (op[0] == 0xc4 || op[0] == 0xc5 || op[0] == 0x62)
		return true;
	return op[0] == 0x8f && left > 1 && (op[1] & 0x1f) >= 8;
}

enum uprobe_insn_fate uprobe_insn_fate(const unsigned char *code, size_t len, const char **why)
{
	size_t i = 0;
	int opsize = 0, rex = 0;
	unsigned char op;

	/* is_prefix_bad() comes first in uprobe_init_insn(). */
	for (; i < len && is_legacy_prefix(code[i]); i++) {
		switch (code[i]) {
		case 0xf0:
			return refused(why, "a LOCK prefix");
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			return refused(why, "a segment prefix (es/cs/ss/ds)");
		case 0x66:
			opsize = 1;
			break;
		}
	}
	if (i < len && (code[i] & 0xf0) == 0x40)
		rex = code[i++];
	if (i >= len)
		return refused(why, "an instruction that does not decode");
	op = code[i];
	if (is_vex_like(code + i, len - i))
		return refused(why, "a VEX/EVEX-encoded instruction, which the kernel misdecodes");
	if (!good_opcode(op))
		return refused(why, "an instruction the kernel never probes");
	/* mov ss, r/m masks the next instruction's exceptions: never single-stepped. */
	if (op == 0x8e && i + 1 < len && ((code[i + 1] >> 3) & 7) == 2)
		return refused(why, "a mov to ss");
	/* branch_setup_xol_ops(): the kernel's NOPs, and 0x90 under any prefixes. */
	if (is_kernel_nop(code, len) || op == 0x90)
		return UPROBE_INSN_EMULATED;
	/* Then jmp, call, jcc (rel8/rel32), except with an operand-size prefix. */
	if (op == 0xeb || op == 0xe9 || op == 0xe8 || (op >= 0x70 && op <= 0x7f) ||
	    (op == 0x0f && i + 1 < len && (code[i + 1] & 0xf0) == 0x80)) {
		if (opsize)
			return refused(why, "a branch with a 0x66 prefix");
		return UPROBE_INSN_EMULATED;
	}
	/* push_setup_xol_ops: push reg alone, or with REX.B only (push r8..r15). */
	if (op >= 0x50 && op <= 0x57 && len <= 2 && (len == 1 || rex == 0x41))
		return UPROBE_INSN_EMULATED;
	return UPROBE_INSN_STEPPED;
}

const char *uprobe_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err == SONDE_ENOTSUPP)
		return "the kernel refuses a uprobe on one of the instructions (ENOTSUPP)";
	return strerror(err);
}
