/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a traced thread's time goes: running totals of on-CPU, run-queue and
 * blocked time, advanced by the scheduler tracepoints and read by the probes.
 * A call's split is the difference of two snapshots, so nested calls each get
 * their own. A thread has a state only from its first traced call on, when it
 * is on a CPU by definition.
 */
#ifndef SONDE_THREAD_TIME_BPF_H
#define SONDE_THREAD_TIME_BPF_H

enum sonde_thread_state {
	SONDE_TS_ONCPU,
	SONDE_TS_RUNQ,
	SONDE_TS_BLOCKED,
	SONDE_TS__COUNT,
};

struct sonde_thread_time {
	__u64 since_ns;			 /* when the current state began */
	__u64 total_ns[SONDE_TS__COUNT]; /* time in each state, up to since_ns */
	__u32 state;
	__u32 pad;
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

#endif /* SONDE_THREAD_TIME_BPF_H */
