/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of lat.bpf.c: --offcpu-stacks, where traced calls spend their time off
 * the CPU. At each switch-out of a thread inside a traced call (lat_sched.bpf.h)
 * its user stack is taken; at its switch-in the span's time goes to
 * offcpu[{process, innermost traced function, stack}] (sonde/lat.h).
 *
 * The span is split as a call's time is (thread_time.bpf.h). With the
 * wakeup hook's source the thread's run-queue total says at the switch-in how
 * much of the span was a wait for a CPU. With run_delay it is known only
 * later: the kernel adds the wait to run_delay as the thread gets the CPU,
 * after the sched_switch tracepoint (prepare_task_switch()). So the span is
 * settled at the thread's next switch-out, or its exit, when run_delay has
 * grown by exactly that wait (a thread gets the CPU once per span).
 *
 * A span's length comes from the thread's off-CPU totals, not from the two
 * timestamps: a switch-in that sched_switch never saw (thread_time_running())
 * then still ends the span where the thread's own split ends it, and the
 * span is closed at the next switch-out instead of being lost.
 *
 * Off (the default), the loader loads the scheduler programs built without
 * any of it (lat_sched.bpf.h), and the maps are one entry each.
 */
#ifndef SONDE_LAT_OFFCPU_BPF_H
#define SONDE_LAT_OFFCPU_BPF_H

/*
 * The user stacks at switch-outs, by id: sonde mem's frame-pointer walk and
 * stacks map (user_stack.bpf.h), sized by the loader when on (stack_depth
 * SONDE_OFFCPU_STACK_DEPTH, the stacks map's values as deep). Not
 * bpf_get_stackid(): its walk ends in a fault on address 0, and took ~3 us of
 * each switch-out here.
 */
#include "sonde/mem.h"
#include "user_stack.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct sonde_offcpu_key);
	__type(value, struct sonde_offcpu_val);
} offcpu SEC(".maps");

enum sonde_offcpu_state {
	SONDE_OFFCPU_NONE,   /* no span open */
	SONDE_OFFCPU_OFF,    /* switched out inside a traced call */
	SONDE_OFFCPU_SETTLE, /* back on a CPU; the span's wait not yet in run_delay */
};

/* A thread's off-CPU span of a traced call, in its state (struct sonde_thread). */
struct sonde_offcpu_span {
	__u64 off_ns;	     /* its length, once switched in */
	__u64 off0_ns;	     /* the thread's off-CPU totals (both states) at the switch-out */
	__u64 runq0_ns;	     /* the thread's run-queue total then (the wakeup hook's) */
	__u64 run_delay0_ns; /* its run_delay then */
	struct sonde_offcpu_key key;
	__u32 state;
	__u32 pad;
};

/*
 * A new entry: its stack to be named now (sonde_rec_offcpu). Not a drop when
 * the ring buffer is full: user space names it at its next look at the table.
 */
static __always_inline void offcpu_announce(const struct sonde_offcpu_key *k)
{
	struct sonde_rec_offcpu *r;

	if (k->stack_id < 0)
		return;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r)
		return;
	r->type = SONDE_REC_OFFCPU_STACK;
	r->tgid = k->tgid;
	r->stack_id = k->stack_id;
	r->pad = 0;
	bpf_ringbuf_submit(r, 0);
}

/* The table's entry for k, inserted (and announced) the first time; NULL when full. */
static __always_inline struct sonde_offcpu_val *offcpu_entry(const struct sonde_offcpu_key *k)
{
	struct sonde_offcpu_val zero = {}, *v;

	v = bpf_map_lookup_elem(&offcpu, k);
	if (v)
		return v;
	/* BPF_NOEXIST: another CPU may just have inserted it; both add to that one. */
	if (!bpf_map_update_elem(&offcpu, k, &zero, BPF_NOEXIST))
		offcpu_announce(k);
	return bpf_map_lookup_elem(&offcpu, k);
}

static __always_inline void offcpu_account(const struct sonde_offcpu_key *k, __u64 runq_ns,
					   __u64 blocked_ns)
{
	struct sonde_offcpu_val *v = offcpu_entry(k);

	if (!v) {
		count_drop(SONDE_DROP_OFFCPU_FULL);
		return;
	}
	if (runq_ns)
		__sync_fetch_and_add(&v->runq_ns, runq_ns);
	if (blocked_ns)
		__sync_fetch_and_add(&v->blocked_ns, blocked_ns);
	__sync_fetch_and_add(&v->spans, 1);
}

/* The span's wait for a CPU is in run_delay now (task: the thread, running). */
static __always_inline void offcpu_settle(struct sonde_offcpu_span *sp, struct task_struct *task)
{
	__u64 waited;

	if (sp->state != SONDE_OFFCPU_SETTLE)
		return;
	waited = task_run_delay_ns(task) - sp->run_delay0_ns;
	/* Two clocks (thread_time_split()): the wait is clamped to the span. */
	if (waited > sp->off_ns)
		waited = sp->off_ns;
	offcpu_account(&sp->key, waited, sp->off_ns - waited);
	sp->state = SONDE_OFFCPU_NONE;
}

/*
 * The thread is back on a CPU (thread_time_enter() closed its off-CPU state):
 * the span ends. With the wakeup hook's source it is accounted now; with
 * run_delay at the next settle.
 */
static __always_inline void offcpu_close(struct sonde_offcpu_span *sp,
					 const struct sonde_thread_time *tt, bool run_delay)
{
	__u64 runq;

	if (sp->state != SONDE_OFFCPU_OFF)
		return;
	sp->off_ns = tt->total_ns[SONDE_TS_OFFCPU] + tt->total_ns[SONDE_TS_RUNQ] - sp->off0_ns;
	if (run_delay) {
		sp->state = SONDE_OFFCPU_SETTLE;
		return;
	}
	runq = tt->total_ns[SONDE_TS_RUNQ] - sp->runq0_ns;
	if (runq > sp->off_ns)
		runq = sp->off_ns;
	offcpu_account(&sp->key, runq, sp->off_ns - runq);
	sp->state = SONDE_OFFCPU_NONE;
}

/* The thread runs (task, current), outside a traced call: its last span is finished. */
static __always_inline void offcpu_finish(struct sonde_offcpu_span *sp,
					  const struct sonde_thread_time *tt,
					  struct task_struct *task, bool run_delay)
{
	offcpu_close(sp, tt, run_delay); /* its switch-in was missed */
	offcpu_settle(sp, task);
}

/*
 * `task` (current: sched_switch runs in the thread it takes off the CPU)
 * leaves the CPU inside a traced call of function `id`, after
 * thread_time_enter(): its user stack, and the span opens. Its last span is
 * finished first.
 */
static __always_inline void offcpu_switch_out(struct sonde_offcpu_span *sp,
					      const struct sonde_thread_time *tt,
					      struct task_struct *task, bool run_delay, __u32 id)
{
	struct pt_regs *regs;
	long stack_id;

	offcpu_finish(sp, tt, task, run_delay);
	/* The user registers, saved at the kernel's entry: where the thread left its code. */
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	stack_id = regs ? user_stack_id_of(regs->ip, regs->bp, regs->sp, task) : -1;
	if (stack_id < 0) {
		count_drop(SONDE_DROP_OFFCPU_STACK);
		stack_id = SONDE_OFFCPU_NO_STACK;
	}
	sp->key.tgid = (__u32)task->tgid;
	sp->key.id = id;
	sp->key.stack_id = (__s32)stack_id;
	sp->key.pad = 0;
	/* Inserted now, not at the switch-in: user space names a new stack while
	 * the thread sleeps in it, a short-lived process before it exits. */
	offcpu_entry(&sp->key);
	sp->off0_ns = tt->total_ns[SONDE_TS_OFFCPU] + tt->total_ns[SONDE_TS_RUNQ];
	sp->runq0_ns = tt->total_ns[SONDE_TS_RUNQ];
	sp->run_delay0_ns = run_delay ? task_run_delay_ns(task) : 0;
	sp->state = SONDE_OFFCPU_OFF;
}

#endif /* SONDE_LAT_OFFCPU_BPF_H */
