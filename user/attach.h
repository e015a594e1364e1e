/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attach an entry and a return program to every site of a probe set: one
 * uprobe_multi link per object and PID for entries and one for returns, or one
 * perf-event uprobe per site on kernels without uprobe_multi (< 6.6). The
 * attach cookie of each site is its function id, with SONDE_COOKIE_STEPPED set
 * when the kernel single-steps the probed instruction.
 */
#ifndef SONDE_ATTACH_H
#define SONDE_ATTACH_H

#include <stdbool.h>
#include <bpf/libbpf.h>
#include "probes.h"
#include "target.h"
#include "sonde/cookie.h"

struct probe_progs {
	struct bpf_program *entry_multi, *ret_multi;
	struct bpf_program *entry_single, *ret_single;
};

struct attachment;

/* Whether to use uprobe_multi; call before loading so the unused pair is not loaded. */
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
