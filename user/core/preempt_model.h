/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's preemption model, which decides whether the BPF programs'
 * per-CPU totals need atomic adds. A uprobe program runs with migration
 * disabled but, on a preemptible kernel, can be preempted by another task
 * running the same program on the same CPU: a plain read-add-write of a
 * per-CPU counter could then lose the other task's add. Under "none" and
 * "voluntary" the kernel preempts only where code asks (cond_resched()),
 * never in a BPF program, and a plain add is exact. An atomic add costs
 * ~9 ns here, and the return probe made three per call.
 */
#ifndef SONDE_PREEMPT_MODEL_H
#define SONDE_PREEMPT_MODEL_H

#include <stdbool.h>

enum preempt_model {
	PREEMPT_MODEL_UNKNOWN, /* treated as preemptible */
	PREEMPT_MODEL_NONE,
	PREEMPT_MODEL_VOLUNTARY,
	PREEMPT_MODEL_FULL,
	PREEMPT_MODEL_LAZY,
	PREEMPT_MODEL_RT,
};

/* "none (voluntary) full lazy": the one in parentheses (debugfs sched/preempt). */
enum preempt_model preempt_model_from_debugfs(const char *text);
/* The "preempt=" boot parameter, the last one given. */
enum preempt_model preempt_model_from_cmdline(const char *cmdline);
/* The configured model, CONFIG_PREEMPT_{NONE,VOLUNTARY,LAZY,RT} or CONFIG_PREEMPT. */
enum preempt_model preempt_model_from_config(const char *config);
/*
 * uname -v: "PREEMPT_DYNAMIC" means the model was chosen at boot (UNKNOWN
 * here; *dynamic is set), "PREEMPT_RT", "PREEMPT_LAZY" or "PREEMPT" name a
 * fixed one, and none of these words means none or voluntary.
 */
enum preempt_model preempt_model_from_uname(const char *version, bool *dynamic);

/* This kernel's model and where it was read ("debugfs", "boot parameter", ...). */
enum preempt_model preempt_model_detect(const char **source);

const char *preempt_model_name(enum preempt_model m);

/* Whether a running BPF program may be preempted: unknown counts as yes. */
bool preempt_model_preempts_bpf(enum preempt_model m);

/*
 * Whether the BPF programs' per-CPU counters need atomic adds on this
 * kernel; says which with -v. SONDE_ATOMIC_STATS=1 forces them (for tests).
 */
bool percpu_counters_need_atomics(void);

#endif /* SONDE_PREEMPT_MODEL_H */
