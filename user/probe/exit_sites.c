// SPDX-License-Identifier: GPL-2.0
#include <capstone/capstone.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "probe/exit_sites.h"
#include "probe/insn_decode.h"
#include "probe/uprobe_insn.h"

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

/*
 * gcc's switch tables: with -fcf-protection it jumps through them with
 * notrack; position-independent code loads 4-byte offsets from the table
 * (movslq (%rdx,%rax,4),%rax; add %rdx,%rax; jmp *%rax), other code jumps
 * through an absolute table (jmp *table(,%rax,8)). An 8-byte load through a
 * base register is a table of function pointers: a tail call. prev: the
 * instructions before the jump, nearest first.
 */
static bool is_jump_table(const cs_insn *jmp, const cs_insn *const *prev, size_t nr_prev)
{
	const cs_x86 *x = &jmp->detail->x86;
	const cs_x86_op *op = &x->operands[0];
	size_t i, k;

	if (x->prefix[1] == X86_PREFIX_DS) /* notrack */
		return true;
	if (op->type == X86_OP_MEM && op->mem.index != X86_REG_INVALID &&
	    (op->mem.base == X86_REG_INVALID || op->mem.scale == 4))
		return true;
	for (i = 0; i < nr_prev; i++) {
		const cs_x86 *p = &prev[i]->detail->x86;

		for (k = 0; k < p->op_count; k++)
			if (p->operands[k].type == X86_OP_MEM &&
			    p->operands[k].mem.index != X86_REG_INVALID &&
			    p->operands[k].mem.scale == 4)
				return true;
	}
	return false;
}

static int add_exit(const cs_insn *insn, const struct code_range *fn, __u8 flags, __u64 target,
		    struct exit_sites *out)
{
	const char *why = NULL;

	if (out->nr == SONDE_MAX_EXITS)
		return unusable(out, NULL, "more return instructions than sonde probes per function");
	switch (uprobe_insn_fate(insn->bytes, insn->size, &why)) {
	case UPROBE_INSN_REFUSED:
		return unusable(out, insn, "the kernel refuses a uprobe on a return instruction");
	case UPROBE_INSN_STEPPED:
		out->stepped++;
		break;
	case UPROBE_INSN_EMULATED:
		flags |= SONDE_EXIT_EMULATED;
		break;
	}
	out->flags[out->nr] = flags;
	out->targets[out->nr] = target;
	out->offsets[out->nr++] = (__s64)(insn->address - fn->vaddr);
	return 0;
}

#define JUMP_TABLE_LOOKBACK 6

struct scan_ctx {
	const struct code_range *fn, *cold;
	const struct exit_opts *o;
	const cs_insn *prev[JUMP_TABLE_LOOKBACK]; /* nearest first */
	size_t nr_prev;
};

/* One instruction: an exit (added), not one, or a reason the exits are unusable. */
static int classify(const cs_insn *insn, struct scan_ctx *c, struct exit_sites *out)
{
	bool jump = insn_in_group(insn, CS_GRP_JUMP), ret = insn_in_group(insn, CS_GRP_RET), known;
	__u64 target;

	if (ret)
		return add_exit(insn, c->fn, 0, 0, out);
	if (!jump)
		return 0;
	if (!insn_branch_target(insn, &target)) {
		if (!c->o->soft || insn->id != X86_INS_JMP ||
		    is_jump_table(insn, c->prev, c->nr_prev))
			return 0;
		return add_exit(insn, c->fn, SONDE_EXIT_SOFT, 0, out); /* an indirect tail call */
	}
	if (inside(c->fn, target) || inside(c->cold, target))
		return 0;
	known = c->o->is_entry && c->o->is_entry(c->o->ctx, target);
	/* A conditional jump out of the function is a tail call only when taken. */
	if (insn->id != X86_INS_JMP && known)
		return unusable(out, insn, "a conditional tail call leaves the function");
	if (insn->id != X86_INS_JMP)
		return 0; /* into a cold part without a symbol: its return is not seen */
	if (known)
		return add_exit(insn, c->fn, SONDE_EXIT_TAIL, target, out);
	if (!c->o->soft)
		return add_exit(insn, c->fn, 0, 0, out);
	return add_exit(insn, c->fn, SONDE_EXIT_SOFT, 0, out);
}

/* Classify every instruction of one range; false when it does not decode to its end. */
static bool scan(csh h, const struct code_range *r, struct scan_ctx *c, struct exit_sites *out)
{
	size_t n, i, k, decoded = 0;
	cs_insn *insns = NULL;

	n = cs_disasm(h, r->code, r->len, r->vaddr, 0, &insns);
	for (i = 0; i < n && !out->unusable; i++) {
		decoded += insns[i].size;
		c->nr_prev = i < JUMP_TABLE_LOOKBACK ? i : JUMP_TABLE_LOOKBACK;
		for (k = 0; k < c->nr_prev; k++)
			c->prev[k] = &insns[i - 1 - k];
		classify(&insns[i], c, out);
	}
	cs_free(insns, n);
	return out->unusable || (n && decoded == r->len);
}

int exit_sites_find(const struct code_range *fn, const struct code_range *cold,
		    const struct exit_opts *o, struct exit_sites *out)
{
	struct scan_ctx c = {.fn = fn, .cold = cold, .o = o};
	bool whole;
	csh h;

	memset(out, 0, sizeof(*out));
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return -ENOMEM;
	cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
	whole = scan(h, fn, &c, out);
	if (whole && cold->len)
		whole = scan(h, cold, &c, out);
	/* Data amid the code: an exit could hide behind it. */
	if (!out->unusable && !whole)
		unusable(out, NULL, "its code does not decode to the end");
	if (!out->unusable && !out->nr)
		unusable(out, NULL, "it has no return instruction (it never returns, or only "
				    "through an indirect jump)");
	cs_close(&h);
	return 0;
}
