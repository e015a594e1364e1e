/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a traced thread's time goes: on a CPU, waiting in a run queue, or
 * blocked. sched_switch keeps running totals of the thread's on-CPU and
 * off-CPU time; a call's split is the difference of a snapshot of its
 * entry state and one taken at its return, so nested calls each get their
 * own.
 * A thread has a state only from its first traced call on, when it is on a
 * CPU by definition.
 *
 * Which part of the off-CPU time was spent waiting for a CPU comes from one
 * of two sources:
 * - run_delay: the kernel's own count, task->sched_info.run_delay
 *   (CONFIG_SCHED_INFO, which TASK_DELAY_ACCT selects: every distribution
 *   kernel). sched_info_arrive() adds a wait to it when the task gets a CPU
 *   (kernel/sched/stats.c), so while the task runs - and the entry and return
 *   probes run in it - it holds every wait completed so far, after a wakeup
 *   and after a preemption alike. sched_wakeup, which fires as often as
 *   sched_switch on the whole machine, is then not needed at all.
 * - the wakeup hook, where the kernel keeps no sched_info: sched_switch puts
 *   a preempted or still runnable thread in the run queue, sched_wakeup moves
 *   a blocked one there.
 */
#ifndef SONDE_THREAD_TIME_BPF_H
#define SONDE_THREAD_TIME_BPF_H

#include <bpf/bpf_core_read.h>

enum sonde_thread_state {
	SONDE_TS_ONCPU,
	SONDE_TS_RUNQ,	 /* known to wait for a CPU (the wakeup hook's source only) */
	SONDE_TS_OFFCPU, /* off the CPU, not known to be runnable */
	SONDE_TS__COUNT,
};

struct sonde_thread_time {
	__u64 since_ns;			 /* when the current state began */
	__u64 total_ns[SONDE_TS__COUNT]; /* time in each state, up to since_ns */
	__u32 state;
	__u32 pad;
};

/* A thread's totals at one instant, taken while it runs. */
struct sonde_time_snap {
	__u64 total_ns[SONDE_TS__COUNT];
	__u64 run_delay_ns; /* task->sched_info.run_delay; 0 without that source */
};

/* Where a call's wall time went (on-CPU: the rest of the wall time, set by
 * the caller, which knows the corrected wall time). */
struct sonde_split {
	__u64 oncpu_ns;
	__u64 runq_ns;
	__u64 blocked_ns;
};

static __always_inline void thread_time_init(struct sonde_thread_time *tt, __u64 now)
{
	tt->since_ns = now;
	tt->state = SONDE_TS_ONCPU;
}

/* Close the current state's span at `now` and enter `next`. */
static __always_inline void thread_time_enter(struct sonde_thread_time *tt, __u64 now, __u32 next)
{
	__u32 s = tt->state;

	if (s < SONDE_TS__COUNT && now > tt->since_ns)
		tt->total_ns[s] += now - tt->since_ns;
	tt->since_ns = now;
	tt->state = next;
}

/*
 * The state sched_switch puts `prev` in. With run_delay, off the CPU is all
 * it needs to know. Without, a task preempted (even between
 * set_current_state() and schedule(), when prev_state is not yet
 * TASK_RUNNING again) or still runnable waits for a CPU; otherwise it sleeps
 * until sched_wakeup.
 */
static __always_inline __u32 thread_time_off_state(bool run_delay, bool preempt,
						   unsigned int prev_state)
{
	if (run_delay || !(preempt || prev_state == 0))
		return SONDE_TS_OFFCPU;
	return SONDE_TS_RUNQ;
}

/* The task's run-queue wait so far, or 0 where the kernel keeps none. */
static __always_inline __u64 task_run_delay_ns(struct task_struct *task)
{
	/* CO-RE: without CONFIG_SCHED_INFO the field is gone and this folds to 0,
	 * so the object still loads there. */
	if (!bpf_core_field_exists(task->sched_info))
		return 0;
	return task->sched_info.run_delay;
}

/*
 * Snapshot the totals of `task`, the thread running this program. Running,
 * it has closed every off-CPU span (sched_switch did, when it got the CPU),
 * and its on-CPU time is what is left of a call's wall time: nothing to
 * close here.
 */
static __always_inline void thread_time_snap(const struct sonde_thread_time *tt,
					     struct task_struct *task, bool run_delay,
					     struct sonde_time_snap *snap)
{
	__u32 s;

	for (s = 0; s < SONDE_TS__COUNT; s++)
		snap->total_ns[s] = tt->total_ns[s];
	snap->run_delay_ns = run_delay ? task_run_delay_ns(task) : 0;
}

/*
 * The thread runs this program, so it is on a CPU. An off-CPU span still
 * open means sched_switch never accounted its switch-in (seen for about 1 in
 * 500 sleeps): close it now, or the snapshot would leave the whole sleep
 * out and the call would read as all on-CPU. What the thread ran between the
 * real switch-in and now counts as off-CPU: the probe's own few hundred ns.
 */
/* Off-CPU spans closed by a probe instead of sched_switch (reported, -v and JSON). */
__u64 sched_resyncs = 0;

static __always_inline void thread_time_running(struct sonde_thread_time *tt, __u64 now)
{
	if (tt->state != SONDE_TS_ONCPU) {
		thread_time_enter(tt, now, SONDE_TS_ONCPU);
		__sync_fetch_and_add(&sched_resyncs, 1);
	}
}

/*
 * The off-CPU parts of the time since `at_entry`, for the running thread. Off-CPU time not already
 * known to be run-queue time is run-queue time as far as run_delay grew and
 * blocked time for the rest. run_delay counts by the run queue's clock
 * (sched_clock), the totals by bpf_ktime_get_ns(), so the two can disagree
 * by a little: the wait is clamped to the off-CPU time it is part of.
 */
static __always_inline void thread_time_split(struct sonde_thread_time *tt,
					      struct task_struct *task, bool run_delay,
					      const struct sonde_time_snap *at_entry, __u64 now,
					      struct sonde_split *out)
{
	struct sonde_time_snap cur;
	__u64 off, waited;

	thread_time_running(tt, now);
	thread_time_snap(tt, task, run_delay, &cur);
	off = cur.total_ns[SONDE_TS_OFFCPU] - at_entry->total_ns[SONDE_TS_OFFCPU];
	waited = cur.run_delay_ns - at_entry->run_delay_ns;
	if (waited > off)
		waited = off;
	out->runq_ns = cur.total_ns[SONDE_TS_RUNQ] - at_entry->total_ns[SONDE_TS_RUNQ] + waited;
	out->blocked_ns = off - waited;
}

#endif /* SONDE_THREAD_TIME_BPF_H */
