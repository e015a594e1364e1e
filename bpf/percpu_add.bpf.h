/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Adds to per-CPU counters. A running BPF program can be preempted by
 * another task running the same program on the same CPU only on a
 * preemptible kernel; there a plain read-add-write could lose that task's
 * add, and the adds are atomic (~9 ns each here). Elsewhere they are plain.
 * The loader sets stats_atomic from the kernel's preemption model
 * (user/core/preempt_model.h); the verifier drops the branch not taken.
 */
#ifndef SONDE_PERCPU_ADD_BPF_H
#define SONDE_PERCPU_ADD_BPF_H

const volatile bool stats_atomic = true;

/* `atomic` is stats_atomic, read once by a caller that adds several times:
 * each read of it is a load the verifier does not drop. */
static __always_inline void percpu_add_as(bool atomic, __u64 *v, __u64 n)
{
	if (atomic)
		__sync_fetch_and_add(v, n);
	else
		*v += n;
}

static __always_inline void percpu_add(__u64 *v, __u64 n)
{
	percpu_add_as(stats_atomic, v, n);
}

#endif /* SONDE_PERCPU_ADD_BPF_H */
