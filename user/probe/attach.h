/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attach the programs of a probe set: one uprobe_multi link per object, PID
 * and kind of probe (entries, return probes, return instructions; Go's own
 * pair), or one perf-event uprobe per probe on kernels without uprobe_multi
 * (< 6.6). The attach cookie of every probe of a function is its function
 * id, with SONDE_COOKIE_STEPPED set when the kernel single-steps its entry.
 */
#ifndef SONDE_ATTACH_H
#define SONDE_ATTACH_H

#include <stdbool.h>
#include <bpf/libbpf.h>
#include "probe/probes.h"
#include "core/target.h"
#include "sonde/cookie.h"

enum probe_prog {
	PROBE_PROG_ENTRY,    /* uprobe at the site */
	PROBE_PROG_RETURN,   /* uretprobe at the site (PROBE_RET_URETPROBE) */
	PROBE_PROG_EXIT,     /* uprobe at each return instruction (PROBE_RET_INSNS) */
	PROBE_PROG_ENTRY_GO, /* Go: entry and exits paired per goroutine */
	PROBE_PROG_EXIT_GO,
	PROBE_PROG__COUNT,
};

/* The programs of a capability; those it has no use for stay NULL. */
struct probe_progs {
	struct bpf_program *multi[PROBE_PROG__COUNT];  /* uprobe_multi */
	struct bpf_program *single[PROBE_PROG__COUNT]; /* perf-event uprobes */
};

struct attachment;

/* Whether to use uprobe_multi; call before loading so the unused kind is not loaded. */
bool attach_use_multi(void);
void attach_select_progs(const struct probe_progs *progs, bool multi);

/*
 * Sites the kernel refuses despite site choice (uprobe_insn.h) are found,
 * marked with probe_set_skip() and left out; the rest is attached. Other
 * errors fail the whole attach.
 */
int attach_probes(const struct probe_progs *progs, bool multi, struct probe_set *set,
		  const struct target *t, struct attachment **out);
/* The same, with function ids (cookies) counted from id_base instead of 0. */
int attach_probes_at(const struct probe_progs *progs, bool multi, struct probe_set *set,
		     const struct target *t, size_t id_base, struct attachment **out);
size_t attachment_nr_links(const struct attachment *a);
void attachment_free(struct attachment *a);

#endif
