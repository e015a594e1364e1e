/* SPDX-License-Identifier: GPL-2.0 */
/* What site choice and exit finding ask of a Capstone-decoded x86-64 instruction. */
#ifndef SONDE_INSN_DECODE_H
#define SONDE_INSN_DECODE_H

#include <stdbool.h>
#include <capstone/capstone.h>
#include <linux/types.h>

static inline bool insn_in_group(const cs_insn *insn, int group)
{
	int i;

	for (i = 0; i < insn->detail->groups_count; i++)
		if (insn->detail->groups[i] == group)
			return true;
	return false;
}

/* The immediate target of a relative jump/call, or false for an indirect one. */
static inline bool insn_branch_target(const cs_insn *insn, __u64 *target)
{
	const cs_x86 *x = &insn->detail->x86;

	if (x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
		return false;
	*target = (__u64)x->operands[0].imm;
	return true;
}

#endif
