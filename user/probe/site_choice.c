// SPDX-License-Identifier: GPL-2.0
#include <capstone/capstone.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "probe/site_choice.h"
#include "probe/insn_decode.h"
#include "probe/uprobe_insn.h"

/* How far into a function the entry probe may move. */
#define SITE_MAX_SKIP 8

static const char *const reason_texts[] = {
    [SITE_START_EMULATED] = "first instruction is emulated",
    [SITE_MOVED] = "moved past straight-line code to an emulated instruction",
    [SITE_NO_CANDIDATE] = "no emulated instruction within reach",
    [SITE_UNSAFE_INSN] = "blocked by an instruction that branches or writes rsp or an argument",
    [SITE_BRANCH_TARGET] = "a branch lands in the code it would skip",
    [SITE_INDIRECT_JUMP] = "function has an indirect jump",
    [SITE_DECODE_FAILED] = "bytes do not decode",
    [SITE_DISABLED] = "site choice off",
    [SITE_REFUSED] = "the kernel refuses a uprobe here",
    [SITE_GO_PROLOGUE] = "after the Go stack-bound check, which may restart the function",
    [SITE_EXIT_FIRST] = "an exit instruction comes first",
};

const char *site_reason_text(enum site_reason r)
{
	return r <= SITE_EXIT_FIRST ? reason_texts[r] : "?";
}

static bool is_branch(const cs_insn *insn)
{
	return insn_in_group(insn, CS_GRP_JUMP) || insn_in_group(insn, CS_GRP_CALL) ||
	       insn_in_group(insn, CS_GRP_RET) || insn_in_group(insn, CS_GRP_INT) ||
	       insn_in_group(insn, CS_GRP_IRET);
}

/* What arch/x86/kernel/uprobes.c does with a probe here (uprobe_insn.c). */
static enum uprobe_insn_fate fate_of(const cs_insn *insn, const char **why)
{
	return uprobe_insn_fate(insn->bytes, insn->size, why);
}

static bool is_emulated(const cs_insn *insn)
{
	return fate_of(insn, NULL) == UPROBE_INSN_EMULATED;
}

static void insn_text(const cs_insn *insn, char *buf, size_t len)
{
	snprintf(buf, len, "%.15s%s%.30s", insn->mnemonic, insn->op_str[0] ? " " : "",
		 insn->op_str);
}

static bool writes_reg(csh h, const cs_insn *insn, const x86_reg *regs, size_t n)
{
	cs_regs rd, wr;
	uint8_t nrd, nwr, i;
	size_t k;

	if (cs_regs_access(h, insn, rd, &nrd, wr, &nwr))
		return true; /* unknown: assume the worst */
	for (i = 0; i < nwr; i++)
		for (k = 0; k < n; k++)
			if (wr[i] == regs[k])
				return true;
	return false;
}

/* rsp, and every width of the argument registers (when the probe reads arguments). */
static const x86_reg guarded[] = {
    X86_REG_RSP, X86_REG_ESP, X86_REG_SP,  X86_REG_RDI, X86_REG_EDI, X86_REG_DI,
    X86_REG_DIL, X86_REG_RSI, X86_REG_ESI, X86_REG_SI,	X86_REG_SIL, X86_REG_RDX,
    X86_REG_EDX, X86_REG_DX,  X86_REG_DL,  X86_REG_DH,	X86_REG_RCX, X86_REG_ECX,
    X86_REG_CX,	 X86_REG_CL,  X86_REG_CH,  X86_REG_R8,	X86_REG_R8D, X86_REG_R8W,
    X86_REG_R8B, X86_REG_R9,  X86_REG_R9D, X86_REG_R9W, X86_REG_R9B,
};

/*
 * Pick the first emulated instruction reachable through safe straight-line
 * code; a refused one (lock add [rsp],0 in postgres' SetLatch) is skipped
 * over like any other instruction that leaves rsp alone.
 */
static int pick(csh h, const cs_insn *insns, size_t n, size_t nr_guarded,
		struct site_choice *out)
{
	size_t i;

	for (i = 0; i < n && i <= SITE_MAX_SKIP; i++) {
		if (is_emulated(&insns[i]))
			return (int)i;
		if (is_branch(&insns[i]) || writes_reg(h, &insns[i], guarded, nr_guarded)) {
			out->reason = SITE_UNSAFE_INSN;
			insn_text(&insns[i], out->blocker, sizeof(out->blocker));
			return -1;
		}
	}
	out->reason = SITE_NO_CANDIDATE;
	return -1;
}

/* No branch anywhere in the function may land after its start and at or before the site. */
static bool lands_inside(const cs_insn *insns, size_t n, __u64 start, __u64 site,
			 enum site_reason *why)
{
	__u64 target;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!insn_in_group(&insns[i], CS_GRP_JUMP) && !insn_in_group(&insns[i], CS_GRP_CALL))
			continue;
		if (!insn_branch_target(&insns[i], &target)) {
			if (insn_in_group(&insns[i], CS_GRP_JUMP)) {
				*why = SITE_INDIRECT_JUMP;
				return true;
			}
			continue; /* an indirect call returns to the next instruction */
		}
		if (target > start && target <= site) {
			*why = SITE_BRANCH_TARGET;
			return true;
		}
	}
	return false;
}

int site_choose(const unsigned char *code, size_t len, __u64 vaddr, bool reads_args, bool move,
		struct site_choice *out)
{
	cs_insn *insns = NULL;
	size_t n, decoded = 0;
	int chosen, err = 0;
	csh h;

	memset(out, 0, sizeof(*out));
	out->reason = SITE_DECODE_FAILED;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return -ENOMEM;
	cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
	n = cs_disasm(h, code, len, vaddr, 0, &insns);
	for (size_t i = 0; i < n; i++)
		decoded += insns[i].size;
	/* Not even its first instruction decodes: the kernel's decoder refuses it too. */
	if (!n && len) {
		out->refused = true;
		out->refusal = "bytes that do not decode as an x86-64 instruction";
		out->reason = SITE_REFUSED;
		goto cleanup;
	}
	if (!n)
		goto cleanup;
	insn_text(&insns[0], out->first, sizeof(out->first));
	snprintf(out->chosen, sizeof(out->chosen), "%s", out->first);
	if (is_emulated(&insns[0])) {
		out->emulated = true;
		out->reason = SITE_START_EMULATED;
		goto cleanup;
	}
	out->refused = fate_of(&insns[0], &out->refusal) == UPROBE_INSN_REFUSED;
	if (!move) {
		out->reason = out->refused ? SITE_REFUSED : SITE_DISABLED;
		goto cleanup;
	}
	/* rsp comes first in guarded[]: three widths of it. */
	chosen = pick(h, insns, n, reads_args ? sizeof(guarded) / sizeof(guarded[0]) : 3, out);
	/* Data in the middle of the code: what follows cannot be trusted. */
	if (chosen >= 0 && decoded < len) {
		out->reason = SITE_DECODE_FAILED;
		chosen = -1;
	}
	if (chosen >= 0 && lands_inside(insns, n, vaddr, insns[chosen].address, &out->reason))
		chosen = -1;
	if (chosen < 0) {
		if (out->refused) {
			snprintf(out->blocker, sizeof(out->blocker), "%s", out->first);
			out->reason = SITE_REFUSED;
		}
		goto cleanup;
	}
	out->refused = false;
	out->refusal = NULL;
	out->offset = (__u32)(insns[chosen].address - vaddr);
	out->emulated = true;
	out->reason = SITE_MOVED;
	insn_text(&insns[chosen], out->chosen, sizeof(out->chosen));
cleanup:
	cs_free(insns, n);
	cs_close(&h);
	return err;
}

/* cmp rsp|r12, [r14 + off]: r14 holds the goroutine (Go's register ABI, 1.17+). */
static bool is_go_stack_check(const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;

	return insn->id == X86_INS_CMP && x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
	       (x->operands[0].reg == X86_REG_RSP || x->operands[0].reg == X86_REG_R12) &&
	       x->operands[1].type == X86_OP_MEM && x->operands[1].mem.base == X86_REG_R14;
}

int site_choose_go(const unsigned char *code, size_t len, __u64 vaddr, bool move,
		   struct site_choice *out)
{
	size_t n, i, chk = 0, decoded = 0;
	cs_insn *insns = NULL;
	struct site_choice later;
	int j;
	csh h;

	if (!move)
		return site_choose(code, len, vaddr, false, false, out);
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return -ENOMEM;
	cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
	n = cs_disasm(h, code, len, vaddr, 0, &insns);
	for (i = 0; i < n; i++)
		decoded += insns[i].size;
	/* Big frames first compute the bound: lea r12,[rsp-N]; cmp r12,[r14+16]; jbe. */
	if (n >= 3 && insns[0].id == X86_INS_LEA)
		chk = 1;
	if (n < chk + 3 || !is_go_stack_check(&insns[chk]) ||
	    (insns[chk + 1].id != X86_INS_JBE && insns[chk + 1].id != X86_INS_JB)) {
		cs_free(insns, n);
		cs_close(&h);
		return site_choose(code, len, vaddr, false, true, out);
	}
	memset(out, 0, sizeof(*out));
	i = chk + 2;
	/*
	 * Then on to the first emulated instruction, past the frame set-up too
	 * (sub rsp, N): Go's calls pair by goroutine and depth, not by the stack
	 * pointer at the probe, and lat reads no argument.
	 */
	memset(&later, 0, sizeof(later));
	j = fate_of(&insns[i], NULL) == UPROBE_INSN_EMULATED || decoded < len
		? -1
		: pick(h, insns + i, n - i, 0, &later);
	if (j > 0 && !lands_inside(insns, n, vaddr, insns[i + j].address, &later.reason))
		i += (size_t)j;
	insn_text(&insns[0], out->first, sizeof(out->first));
	insn_text(&insns[i], out->chosen, sizeof(out->chosen));
	out->offset = (__u32)(insns[i].address - vaddr);
	out->reason = SITE_GO_PROLOGUE;
	switch (fate_of(&insns[i], &out->refusal)) {
	case UPROBE_INSN_EMULATED:
		out->emulated = true;
		break;
	case UPROBE_INSN_REFUSED:
		out->refused = true;
		out->reason = SITE_REFUSED;
		break;
	case UPROBE_INSN_STEPPED:
		break;
	}
	cs_free(insns, n);
	cs_close(&h);
	return 0;
}
