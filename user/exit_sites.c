// SPDX-License-Identifier: GPL-2.0
#include <capstone/capstone.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "exit_sites.h"
#include "uprobe_insn.h"

static bool in_group(const cs_insn *insn, int group)
{
	int i;

	for (i = 0; i < insn->detail->groups_count; i++)
		if (insn->detail->groups[i] == group)
			return true;
	return false;
}

static bool direct_target(const cs_insn *insn, __u64 *target)
{
	const cs_x86 *x = &insn->detail->x86;

	if (x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
		return false;
	*target = (__u64)x->operands[0].imm;
	return true;
}

static int unusable(struct exit_sites *out, const cs_insn *insn, const char *why)
{
	out->unusable = why;
	if (insn)
		snprintf(out->insn, sizeof(out->insn), "%.15s%s%.30s", insn->mnemonic,
			 insn->op_str[0] ? " " : "", insn->op_str);
	return 0;
}

static bool inside(const struct code_range *r, __u64 addr)
{
	return r->len && addr >= r->vaddr && addr < r->vaddr + r->len;
}

/* One instruction: an exit (added), not one, or a reason the exits are unusable. */
static int classify(const cs_insn *insn, const struct code_range *fn,
		    const struct code_range *cold, struct exit_sites *out)
{
	bool jump = in_group(insn, CS_GRP_JUMP), ret = in_group(insn, CS_GRP_RET);
	const char *why = NULL;
	__u64 target;

	if (!ret && !jump)
		return 0;
	if (jump && !direct_target(insn, &target))
		return 0; /* a jump table inside the function, or an indirect tail call: not seen */
	if (jump && (inside(fn, target) || inside(cold, target)))
		return 0;
	/* A conditional jump out of the function is a tail call only when taken. */
	if (jump && insn->id != X86_INS_JMP)
		return unusable(out, insn, "a conditional tail call leaves the function");
	if (out->nr == SONDE_MAX_EXITS)
		return unusable(out, NULL, "more return instructions than sonde probes per function");
	switch (uprobe_insn_fate(insn->bytes, insn->size, &why)) {
	case UPROBE_INSN_REFUSED:
		return unusable(out, insn, "the kernel refuses a uprobe on a return instruction");
	case UPROBE_INSN_STEPPED:
		out->stepped++;
		break;
	case UPROBE_INSN_EMULATED:
		break;
	}
	out->offsets[out->nr++] = (__s64)(insn->address - fn->vaddr);
	return 0;
}

/* Classify every instruction of one range; false when it does not decode to its end. */
static bool scan(csh h, const struct code_range *r, const struct code_range *fn,
		 const struct code_range *cold, struct exit_sites *out)
{
	size_t n, i, decoded = 0;
	cs_insn *insns = NULL;

	n = cs_disasm(h, r->code, r->len, r->vaddr, 0, &insns);
	for (i = 0; i < n && !out->unusable; i++) {
		decoded += insns[i].size;
		classify(&insns[i], fn, cold, out);
	}
	cs_free(insns, n);
	return out->unusable || (n && decoded == r->len);
}

int exit_sites_find(const struct code_range *fn, const struct code_range *cold,
		    struct exit_sites *out)
{
	bool whole;
	csh h;

	memset(out, 0, sizeof(*out));
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return -ENOMEM;
	cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
	whole = scan(h, fn, fn, cold, out);
	if (whole && cold->len)
		whole = scan(h, cold, fn, cold, out);
	/* Data amid the code: an exit could hide behind it. */
	if (!out->unusable && !whole)
		unusable(out, NULL, "its code does not decode to the end");
	if (!out->unusable && !out->nr)
		unusable(out, NULL, "it has no return instruction (it never returns, or only "
				    "through an indirect jump)");
	cs_close(&h);
	return 0;
}
