// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of a scheduler hook, for bench/sched.sh: sched_switch and
 * sched_wakeup programs that do nothing (*_empty); ones that do only what a
 * per-thread tracer does for a thread it does not trace, a task storage
 * lookup that finds nothing (*_lookup); and ones that first read the task's
 * storage pointer and skip the helper call when the task has no storage at
 * all (*_peek), as any thread of a process nobody traces. sonde lat hooks
 * sched_switch alone where the kernel counts run-queue waits itself, so its
 * floor is one empty sched_switch program (*_emptyswitch).
 * bench/schedfloor attaches the programs of one kind.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} floor_threads SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_empty, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(wakeup_empty, struct task_struct *p)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_emptyswitch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_lookup, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	bpf_task_storage_get(&floor_threads, prev, NULL, 0);
	bpf_task_storage_get(&floor_threads, next, NULL, 0);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(wakeup_lookup, struct task_struct *p)
{
	bpf_task_storage_get(&floor_threads, p, NULL, 0);
	return 0;
}

/*
 * task->bpf_storage is NULL for a task that never had task storage; reading
 * it through the trusted tp_btf pointer costs a load, where the helper call
 * costs a call and its recursion guard.
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(switch_peek, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	if (prev->bpf_storage)
		bpf_task_storage_get(&floor_threads, prev, NULL, 0);
	if (next->bpf_storage)
		bpf_task_storage_get(&floor_threads, next, NULL, 0);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(wakeup_peek, struct task_struct *p)
{
	if (p->bpf_storage)
		bpf_task_storage_get(&floor_threads, p, NULL, 0);
	return 0;
}
