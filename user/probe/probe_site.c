// SPDX-License-Identifier: GPL-2.0
/* One matched function as a probe site: where its entry probe goes, how its returns
 * are seen and where it returns (probes_priv.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "probe/probes_priv.h"
#include "core/test_knobs.h"
#include "core/util.h"

/* A function starts there: a jump to it is a tail call (a cold part is no function). */
static bool is_function_start(const void *syms, __u64 vaddr)
{
	const struct sym *s = syms__find_addr(syms, vaddr);

	return s && s->vaddr == vaddr && !syms_cold_parent_len(s->name);
}

/*
 * Returns probed at their instructions: the entry probe must come before
 * every exit, or one instruction would be both (a tail call `mov; jmp f` has
 * its emulated jmp chosen as the entry site): back to the first instruction.
 */
static void exits_before_entry(const struct object_syms *obj, const struct sym *sym,
			       const struct code_range *fn, struct probe_site *site)
{
	const struct sym *cold = syms__cold_part(obj->syms, sym);
	struct code_range cr = {0};
	struct exit_sites *x = &site->exits;
	size_t i;

	/* The cold part's file offset: same segment as the function, the same delta. */
	if (cold && cold->size && cold->offset + cold->size <= obj->code_len)
		cr = (struct code_range){obj->code + cold->offset, cold->size, cold->vaddr};
	exit_sites_find(
	    fn, &cr,
	    &(struct exit_opts){.is_entry = is_function_start, .ctx = obj->syms, .soft = !site->go},
	    x);
	for (i = 0; i < x->nr && !x->unusable; i++) {
		if (x->offsets[i] == 0)
			x->unusable = "its first instruction is already its return (a tail jump)";
		else if (x->offsets[i] > 0 && x->offsets[i] <= site->choice.offset &&
			 !site_choose(fn->code, fn->len, fn->vaddr, false, false, &site->choice) &&
			 site->choice.reason == SITE_DISABLED)
			site->choice.reason = SITE_EXIT_FIRST;
	}
}

/* The entry probe's instruction: past an endbr64 or a test when that is safe. */
static void choose_site(const struct resolver *r, const struct object_syms *obj,
			const struct sym *sym, struct probe_site *site)
{
	const struct resolve_opts *o = r->o;
	size_t len = sym->size;

	site->choice.reason = SITE_DECODE_FAILED;
	if (obj->code && sym->offset < obj->code_len) {
		if (len > obj->code_len - sym->offset)
			len = obj->code_len - sym->offset;
		/* Decoded even with --no-site-choice: the calibration must know the shape. */
		if (site->go)
			site_choose_go(obj->code + sym->offset, len, sym->vaddr, o->site_choice,
				       &site->choice);
		else
			site_choose(obj->code + sym->offset, len, sym->vaddr, o->reads_args,
				    o->site_choice, &site->choice);
		if (site->ret == PROBE_RET_INSNS)
			exits_before_entry(
			    obj, sym,
			    &(struct code_range){obj->code + sym->offset, len, sym->vaddr}, site);
	} else if (site->ret == PROBE_RET_INSNS) {
		site->exits.unusable = "its code cannot be read";
	}
	/* Lets the tests exercise the attach-time fallback (attach.c) on a refused site. */
	if (site->choice.refused && test_knobs()->no_refusal_check)
		site->choice.refused = false;
	site->offset = sym->offset + site->choice.offset;
	sonde_info("%s: probe at +%u (%s): %s", site->name, site->choice.offset,
		   site->choice.chosen[0] ? site->choice.chosen : "?",
		   site_reason_text(site->choice.reason));
}

/*
 * Return probes rewrite the return address on the stack. Go copies goroutine
 * stacks and walks them (fatal: "unexpected return pc"); C++ unwinding reads
 * return addresses to find each frame's handler (std::terminate); V8 and
 * HotSpot walk their own stacks. Functions of such code, or of a process
 * whose executable is such code, get probes on their return instructions.
 */
static void choose_return(const struct resolver *r, const struct object_syms *obj,
			  struct probe_site *site)
{
	unsigned int rt = syms__runtime(obj->syms), all = rt | r->exe_runtime;

	site->go = rt & SYMS_RT_GO;
	site->ret = PROBE_RET_URETPROBE;
	site->ret_why = "";
	switch (r->o->returns) {
	case RETURN_MODE_URETPROBE:
		site->go = false;
		return;
	case RETURN_MODE_INSNS:
		site->ret = PROBE_RET_INSNS;
		site->ret_why = "--returns insns";
		return;
	case RETURN_MODE_AUTO:
		break;
	}
	if (all & (SYMS_RT_GO | SYMS_RT_UNWINDS | SYMS_RT_JIT))
		site->ret = PROBE_RET_INSNS;
	site->ret_why = site->go		? "Go: goroutine stacks are copied"
			: all & SYMS_RT_JIT	? "a JIT runtime walks the stack"
			: all & SYMS_RT_UNWINDS ? "C++ exceptions unwind through it"
			: all & SYMS_RT_GO	? "a Go program"
						: "";
}

#define REFUSED_WHY                                                                                \
	"the kernel refuses a uprobe on its first instruction, and no later one is safe to "       \
	"probe instead"

#define NO_EXITS_WHY                                                                               \
	"its returns must be probed at its return instructions (a return probe would break "       \
	"the program), and they cannot be"

int probes_add_site(struct resolver *r, const struct object_syms *obj, const struct sym *sym)
{
	const char *path = obj->path;
	struct probe_set *set = r->set;
	struct probe_site *site;
	size_t i;

	for (i = 0; i < set->nr; i++) {
		site = &set->sites[i];
		if (site->vaddr != sym->vaddr || strcmp(site->object, path))
			continue;
		/* An alias of a site already chosen: traced once, under the better name. */
		return 0;
	}
	if (set->nr == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct probe_site *v = realloc(set->sites, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		set->sites = v;
		r->cap = cap;
	}
	site = &set->sites[set->nr];
	memset(site, 0, sizeof(*site));
	site->object = strdup(path);
	site->name = strdup(sym->demangled ? sym->demangled : sym->name);
	site->mangled = sym->demangled ? strdup(sym->name) : NULL;
	if (!site->object || !site->name || (sym->demangled && !site->mangled))
		return -ENOMEM;
	site->func_offset = sym->offset;
	site->vaddr = sym->vaddr;
	site->size = sym->size;
	choose_return(r, obj, site);
	choose_site(r, obj, sym, site);
	if (site->choice.refused) {
		char insn[sizeof(site->choice.first) + 64];
		int err;

		snprintf(insn, sizeof(insn), "%s: %s", site->choice.first, site->choice.refusal);
		err = probe_set_add_skip(set, path, site->name, REFUSED_WHY, insn);
		free(site->object);
		free(site->name);
		free(site->mangled);
		return err;
	}
	if (site->ret == PROBE_RET_INSNS && site->exits.unusable) {
		char why[160];
		int err;

		snprintf(why, sizeof(why), "%s%s%s", site->exits.unusable,
			 site->exits.insn[0] ? ": " : "", site->exits.insn);
		err = probe_set_add_skip(set, path, site->name, NO_EXITS_WHY, why);
		free(site->object);
		free(site->name);
		free(site->mangled);
		return err;
	}
	if (site->ret == PROBE_RET_INSNS) {
		char how[160];

		sonde_info("%s: returns at %s", site->name,
			   probe_return_text(site, how, sizeof(how)));
	}
	set->nr++;
	return 0;
}
