/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every capability's BPF object (lat.bpf.c, mem.bpf.c) has alike: the
 * drop counters, the -b executable filter, the per-thread state's creation,
 * the ring buffer and its reservation, the stack pointer a call's entry saw,
 * and its probe programs in both attach shapes. Each object keeps its own policy on top
 * (lat's tgid filter and own process, mem's procs map).
 *
 * The includer defines SONDE_DROP_KINDS, the size of its drops[] (the
 * __COUNT of its drop enum), before including this.
 */
#ifndef SONDE_COMMON_BPF_H
#define SONDE_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#ifndef SONDE_DROP_KINDS
#error "define SONDE_DROP_KINDS (the size of drops[]) before including common.bpf.h"
#endif

char LICENSE[] SEC("license") = "GPL";

/* -b: only tasks running this executable (its inode) are traced; 0 = off. */
const volatile __u64 filter_exe_ino = 0;

/* Losses by kind (the includer's drop enum), read and reported by user space. */
__u64 drops[SONDE_DROP_KINDS] = {};

static __always_inline void count_drops(__u32 kind, __u64 n)
{
	__sync_fetch_and_add(&drops[kind], n);
}

static __always_inline void count_drop(__u32 kind)
{
	count_drops(kind, 1);
}

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096); /* resized by the loader */
} events SEC(".maps");

/*
 * Room for one record of size bytes in events, or NULL when the buffer is
 * full, counted as drop `full` (the includer's ring-buffer kind): a record
 * lost is said, never silent.
 */
static __always_inline void *events_reserve(__u64 size, __u32 full)
{
	void *r = bpf_ringbuf_reserve(&events, size, 0);

	if (!r)
		count_drop(full);
	return r;
}

/* -b: the task runs another executable than filter_exe_ino (which the caller found set). */
static __always_inline bool task_runs_other_exe(struct task_struct *task)
{
	return BPF_CORE_READ(task, mm, exe_file, f_inode, i_ino) != filter_exe_ino;
}

/*
 * A task's state in a task-storage map, created (zeroed) where a lookup
 * found none; a failure is counted as drop no_storage. The lookup stays with
 * the caller: it is the hot path, and what a new state needs differs.
 */
static __always_inline void *task_state_create(void *map, struct task_struct *task,
					       __u32 no_storage)
{
	void *t = bpf_task_storage_get(map, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!t)
		count_drop(no_storage);
	return t;
}

/*
 * A call's stack pointer, as its entry saw it: the return address on the
 * stack top. At the entry and at a ret (or tail-jump) instruction, that is
 * sp (call_sp()); after the return, in a uretprobe, the return address is
 * popped: sp - 8 (call_sp_after_return()). Returns are paired with their
 * entries by it.
 */
#define SONDE_RETURN_ADDRESS_BYTES 8

static __always_inline __u64 call_sp(void *ctx)
{
	return PT_REGS_SP((struct pt_regs *)ctx);
}

static __always_inline __u64 call_sp_after_return(void *ctx)
{
	return PT_REGS_SP((struct pt_regs *)ctx) - SONDE_RETURN_ADDRESS_BYTES;
}

/*
 * A probe program in both attach shapes, running `call` (ctx: the
 * struct pt_regs *): name##_multi for uprobe_multi links (kernel >= 6.6: one
 * link per object for all its functions), name##_single for the fallback of
 * one perf-event uprobe per function. The loader picks one of the two.
 * sec: "uprobe" or "uretprobe"; BPF_UPROBE serves both, as no program here
 * takes its arguments or return value through the macro.
 */
#define SONDE_PROBE_PROGS(sec, name, call)                                                         \
	SEC(sec ".multi")                                                                          \
	int BPF_UPROBE(name##_multi)                                                               \
	{                                                                                          \
		return call;                                                                       \
	}                                                                                          \
	SEC(sec)                                                                                   \
	int BPF_UPROBE(name##_single)                                                              \
	{                                                                                          \
		return call;                                                                       \
	}

#define SONDE_UPROBE_PROGS(name, call)	  SONDE_PROBE_PROGS("uprobe", name, call)
#define SONDE_URETPROBE_PROGS(name, call) SONDE_PROBE_PROGS("uretprobe", name, call)

#endif /* SONDE_COMMON_BPF_H */
