// SPDX-License-Identifier: GPL-2.0
/*
 * sonde lat: per-function latency from entry/return uprobes.
 *
 * Each traced function has an id (the attach cookie). The entry probe pushes
 * {id, start} on a per-thread call stack kept in task storage, so the kernel
 * frees it when the thread exits; the return probe pops it and adds the call
 * to the function's per-CPU totals and log-linear histogram. A callee's wall
 * time is added to its caller's frame so the caller's self time excludes it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "sonde/lat.h"

char LICENSE[] SEC("license") = "GPL";

/* Non-zero with -b and library probes: only count tasks running this executable. */
const volatile __u64 filter_exe_ino = 0;

__u64 drops[SONDE_DROP__COUNT] = {};

struct sonde_frame {
	__u64 start_ns;
	__u64 child_ns; /* wall time spent in traced callees */
	__u64 sp;	/* stack pointer at entry: where the return address is */
	__u32 id;
	__u32 pad;
};

struct sonde_thread {
	__u32 depth; /* may exceed SONDE_MAX_DEPTH: frames past it are not kept */
	__u32 pad;
	struct sonde_frame frames[SONDE_MAX_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sonde_thread);
} threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* resized by the loader to the number of functions */
	__type(key, __u32);
	__type(value, struct sonde_func_stats);
} func_stats SEC(".maps");

static __always_inline void count_drop(enum sonde_drop kind)
{
	__sync_fetch_and_add(&drops[kind], 1);
}

static __always_inline bool task_is_filtered_out(void)
{
	struct task_struct *task;

	if (!filter_exe_ino)
		return false;
	task = bpf_get_current_task_btf();
	return BPF_CORE_READ(task, mm, exe_file, f_inode, i_ino) != filter_exe_ino;
}

static __always_inline int on_entry(void *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 id = (__u32)bpf_get_attach_cookie(ctx);
	struct sonde_thread *t;
	__u32 d;

	if (task_is_filtered_out())
		return 0;
	t = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), NULL,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t) {
		count_drop(SONDE_DROP_NO_STORAGE);
		return 0;
	}
	d = t->depth;
	if (d >= SONDE_MAX_DEPTH) {
		/* Keep counting so the matching returns unwind to the right frame. */
		t->depth = d + 1;
		count_drop(SONDE_DROP_DEPTH);
		return 0;
	}
	t->frames[d].id = id;
	t->frames[d].sp = PT_REGS_SP((struct pt_regs *)ctx);
	t->frames[d].start_ns = now;
	t->frames[d].child_ns = 0;
	t->depth = d + 1;
	return 0;
}

static __always_inline void account_call(__u32 id, __u64 wall, __u64 self)
{
	struct sonde_func_stats *s;
	__u32 b;

	s = bpf_map_lookup_elem(&func_stats, &id);
	if (!s) {
		count_drop(SONDE_DROP_BAD_ID);
		return;
	}
	/*
	 * Per-CPU values, but a preemptible kernel may switch tasks in the middle
	 * of this program on the same CPU; atomic adds keep the counts exact.
	 */
	__sync_fetch_and_add(&s->calls, 1);
	__sync_fetch_and_add(&s->total_ns, wall);
	__sync_fetch_and_add(&s->self_ns, self);
	if (wall > s->max_ns)
		s->max_ns = wall;
	if (s->min_ns == 0 || wall < s->min_ns)
		s->min_ns = wall;
	b = sonde_bucket_of_ns(wall);
	/* Already in range, but clang drops the check the verifier needs unless told not to. */
	barrier_var(b);
	if (b >= SONDE_HIST_BUCKETS)
		b = SONDE_HIST_BUCKETS - 1;
	__sync_fetch_and_add(&s->hist[b], 1);
}

/* How far down the stack a return looks for its entry before calling it an orphan. */
#define SONDE_UNWIND_LOOKBACK 8

static __always_inline int on_return(void *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	/* The return popped the return address the entry saw at the stack top. */
	__u64 entry_sp = PT_REGS_SP((struct pt_regs *)ctx) - 8;
	struct sonde_frame *f;
	struct sonde_thread *t;
	__u64 wall, self;
	__u32 d, i;

	if (task_is_filtered_out())
		return 0;
	t = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), NULL, 0);
	if (!t || t->depth == 0) {
		count_drop(SONDE_DROP_ORPHAN_RETURN);
		return 0;
	}
	d = t->depth;
	if (d > SONDE_MAX_DEPTH) {
		t->depth = d - 1;
		return 0;
	}
	/*
	 * Match by stack pointer, not by function id: it needs no cookie lookup,
	 * and it tells stale frames apart exactly. Frames deeper than this return
	 * (a lower sp) belong to calls whose return never fired (longjmp, C++
	 * exceptions): dropped, counted. A frame shallower than it means this
	 * return's entry was never seen (attached mid-call).
	 */
	for (i = 0; i < SONDE_UNWIND_LOOKBACK && i < d; i++) {
		__u32 idx = (d - 1 - i) & (SONDE_MAX_DEPTH - 1);

		f = &t->frames[idx];
		if (f->sp < entry_sp)
			continue;
		if (f->sp > entry_sp)
			break;
		if (i)
			__sync_fetch_and_add(&drops[SONDE_DROP_MISSED_RETURN], i);
		wall = now - f->start_ns;
		self = wall > f->child_ns ? wall - f->child_ns : 0;
		t->depth = idx;
		/* The mask (SONDE_MAX_DEPTH is a power of two) is for the verifier. */
		if (idx > 0)
			t->frames[(idx - 1) & (SONDE_MAX_DEPTH - 1)].child_ns += wall;
		account_call(f->id, wall, self);
		return 0;
	}
	count_drop(SONDE_DROP_ORPHAN_RETURN);
	return 0;
}

/* uprobe_multi links (kernel >= 6.6): one link per object for all entries, one for returns. */
SEC("uprobe.multi")
int BPF_UPROBE(lat_entry_multi)
{
	return on_entry(ctx);
}

SEC("uretprobe.multi")
int BPF_URETPROBE(lat_return_multi)
{
	return on_return(ctx);
}

/* Fallback for kernels without uprobe_multi: one perf-event uprobe per function. */
SEC("uprobe")
int BPF_UPROBE(lat_entry_single)
{
	return on_entry(ctx);
}

SEC("uretprobe")
int BPF_URETPROBE(lat_return_single)
{
	return on_return(ctx);
}
