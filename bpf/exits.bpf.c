// SPDX-License-Identifier: GPL-2.0
/*
 * How the processes traced with -p end. waitpid() gives a process's status to
 * its parent only, and sonde is not the parent of a -p target: the kernel
 * knows the status when the process's last thread exits, so take it there.
 *
 * The loader fills `watched` with one entry per traced process (key: the
 * tgid, value: a marker that is no wait status); this program overwrites the
 * value with the wait(2)-style status when the process's last thread exits.
 * It costs one hash lookup per exiting thread on the machine (and one per
 * new process, for exits_sched_fork).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

/* include/linux/sched/signal.h: exit_group() or a fatal signal ends the group. */
#define SONDE_SIGNAL_GROUP_EXIT 0x00000004

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* the loader sets it to the number of processes */
	__type(key, __u32);	/* tgid */
	__type(value, __u32);	/* wait status, once exited */
} watched SEC(".maps");

/*
 * do_exit() decrements signal->live before this tracepoint and sets
 * task->exit_code (code << 8 for exit(), the signal number, | 0x80 with a core
 * dump) before it too. live == 0: this is the group's last thread (two threads
 * exiting at once may both read 0; both write the same group status).
 * wait_task_zombie() reports signal->group_exit_code when SIGNAL_GROUP_EXIT is
 * set (exit_group(), fatal signals, so nearly always), else the thread's
 * exit_code; do the same. The tracepoint's own group_dead argument is recent
 * (6.18 has it, older kernels do not); reading live works on all of them.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(exits_sched_exit, struct task_struct *p)
{
	struct signal_struct *sig = BPF_CORE_READ(p, signal);
	__u32 tgid = (__u32)BPF_CORE_READ(p, tgid), *status;

	status = bpf_map_lookup_elem(&watched, &tgid);
	if (!status || BPF_CORE_READ(sig, live.counter) != 0)
		return 0;
	if (BPF_CORE_READ(sig, flags) & SONDE_SIGNAL_GROUP_EXIT)
		*status = (__u32)BPF_CORE_READ(sig, group_exit_code);
	else
		*status = (__u32)BPF_CORE_READ(p, exit_code);
	return 0;
}

/*
 * A watched process that forks (a server starting a worker): the child's
 * memory is a copy of the parent's, uprobe breakpoints included, and the
 * kernel leaves them there, though -p's filter ignores the child's hits.
 * It pays a trap for every call of every traced function until it execs or
 * sonde detaches. Counted, so that sonde can say so.
 */
__u64 forks = 0;
__u32 forked_from = 0;

SEC("tp_btf/sched_process_fork")
int BPF_PROG(exits_sched_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 tgid = (__u32)BPF_CORE_READ(parent, tgid);

	if (BPF_CORE_READ(child, tgid) == (int)tgid || !bpf_map_lookup_elem(&watched, &tgid))
		return 0;
	forked_from = tgid;
	__sync_fetch_and_add(&forks, 1);
	return 0;
}
