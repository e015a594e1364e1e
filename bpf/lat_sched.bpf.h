/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of lat.bpf.c: its tracepoint programs, which keep each traced
 * thread's on-CPU / off-CPU totals (thread_time.bpf.h) and free its state.
 * Included after the thread state they read.
 */
#ifndef SONDE_LAT_SCHED_BPF_H
#define SONDE_LAT_SCHED_BPF_H

/*
 * Scheduler side. sched_switch runs on every context switch of the machine
 * (and, without run_delay, sched_wakeup on every wakeup). A task that never
 * made a traced call has no task storage: task->bpf_storage == NULL, one load
 * tells, where bpf_task_storage_get() costs a helper call and its recursion
 * guard (~30 ns per context switch, measured by bench/sched.sh).
 */
static __always_inline struct sonde_thread *thread_of(struct task_struct *task)
{
	if (!task->bpf_storage)
		return NULL;
	return bpf_task_storage_get(&threads, task, NULL, 0);
}

/*
 * The entry probes take no snapshot of the thread's times: most calls never
 * leave the CPU, and their return needs none. The frames pushed since the
 * thread's last switch-out (the top ones, entered with this switch count)
 * get it here, before the thread's first off-CPU span begins: nothing has
 * been added to its off-CPU totals or run_delay since their entries, which
 * happened while it ran.
 */
static __always_inline void snap_new_frames(struct sonde_thread *t, struct task_struct *task)
{
	struct sonde_time_snap snap;
	__u32 d = t->depth, i, idx, oldest;

	if (d > SONDE_MAX_DEPTH)
		d = SONDE_MAX_DEPTH;
	if (d == 0 || t->frames[(d - 1) & (SONDE_MAX_DEPTH - 1)].switches != t->switches)
		return;
	for (i = 0, oldest = d - 1; i < SONDE_MAX_DEPTH && i < d; i++) {
		idx = (d - 1 - i) & (SONDE_MAX_DEPTH - 1);
		if (t->frames[idx].switches != t->switches)
			break;
		oldest = idx;
	}
	/* Its switch-in was missed (thread_time_running()): it ran at the oldest one's entry. */
	thread_time_running(&t->time, t->frames[oldest & (SONDE_MAX_DEPTH - 1)].start_ns);
	thread_time_snap(&t->time, task, runq_from_run_delay, &snap);
	for (i = 0; i < SONDE_MAX_DEPTH && i < d; i++) {
		idx = (d - 1 - i) & (SONDE_MAX_DEPTH - 1);
		if (t->frames[idx].switches != t->switches)
			break;
		t->time_at_entry[idx] = snap;
	}
}

/*
 * --offcpu-stacks: the thread leaves the CPU. Inside a traced call, the
 * innermost one kept is the function charged with the span; the
 * calibration's calls are sonde's own.
 */
static __always_inline void offcpu_out(struct sonde_thread *t, struct task_struct *task)
{
	__u32 d = t->depth, id = calib_id_base;

	if (d > SONDE_MAX_DEPTH)
		d = SONDE_MAX_DEPTH;
	if (d)
		id = t->frames[(d - 1) & (SONDE_MAX_DEPTH - 1)].site & SONDE_COOKIE_ID_MASK;
	if (id >= calib_id_base)
		offcpu_finish(&t->offcpu, &t->time, task, runq_from_run_delay);
	else
		offcpu_switch_out(&t->offcpu, &t->time, task, runq_from_run_delay, id);
}

/*
 * offcpu: --offcpu-stacks, a constant. Each program below is this with it
 * folded in, and the loader loads one: off, the program is the one without
 * any of it (not even a flag's load, nor the registers its code would keep).
 */
static __always_inline int on_sched_switch(void *ctx, bool preempt, struct task_struct *prev,
					   struct task_struct *next, unsigned int prev_state,
					   const bool offcpu)
{
	struct sonde_thread *t;
	__u64 now = 0;

	t = thread_of(prev);
	if (t) {
		snap_new_frames(t, prev);
		t->switches++;
		now = bpf_ktime_get_ns();
		thread_time_enter(&t->time, now,
				  thread_time_off_state(runq_from_run_delay, preempt, prev_state));
		if (offcpu)
			offcpu_out(t, prev);
	}
	t = thread_of(next);
	if (t) {
		if (!now)
			now = bpf_ktime_get_ns();
		thread_time_enter(&t->time, now, SONDE_TS_ONCPU);
		if (offcpu)
			offcpu_close(&t->offcpu, &t->time, runq_from_run_delay);
	}
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(lat_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	return on_sched_switch(ctx, preempt, prev, next, prev_state, false);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(lat_sched_switch_offcpu, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	return on_sched_switch(ctx, preempt, prev, next, prev_state, true);
}

/*
 * Only where the kernel keeps no run_delay (the loader leaves it unloaded
 * otherwise). Woken: from blocked to waiting for a CPU (sched_switch makes it
 * on-CPU).
 */
SEC("tp_btf/sched_wakeup")
int BPF_PROG(lat_sched_wakeup, struct task_struct *p)
{
	struct sonde_thread *t = thread_of(p);

	if (t && t->time.state == SONDE_TS_OFFCPU)
		thread_time_enter(&t->time, bpf_ktime_get_ns(), SONDE_TS_RUNQ);
	return 0;
}

/*
 * The kernel frees task storage with the task; deleting it at exit makes the
 * release prompt and countable (threads_freed), so a run over many
 * short-lived threads can show that nothing was left behind.
 */
static __always_inline int on_sched_exit(const bool offcpu)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct sonde_thread *t = thread_of(task);

	if (!t)
		return 0;
	/* Running: its last off-CPU span's wait is in run_delay. */
	if (offcpu)
		offcpu_finish(&t->offcpu, &t->time, task, runq_from_run_delay);
	if (!bpf_task_storage_delete(&threads, task))
		__sync_fetch_and_add(&threads_freed, 1);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(lat_sched_exit, struct task_struct *p)
{
	return on_sched_exit(false);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(lat_sched_exit_offcpu, struct task_struct *p)
{
	return on_sched_exit(true);
}

#endif /* SONDE_LAT_SCHED_BPF_H */
