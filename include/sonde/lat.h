/* SPDX-License-Identifier: GPL-2.0 */
/* Layouts shared by bpf/lat.bpf.c and the user-space loader. */
#ifndef SONDE_LAT_H
#define SONDE_LAT_H

#include "sonde/hist.h"

/* Deepest traced-call nesting kept per thread; deeper calls are counted as drops.
 * A power of two: the BPF side masks frame indexes with it. */
#define SONDE_MAX_DEPTH 64

/* Go: traced calls kept per goroutine (lat.bpf.c pairs them by goroutine, not
 * thread), and how many goroutines can be inside a traced call at once. */
#define SONDE_GO_DEPTH 64
#define SONDE_GO_MAX_GOROUTINES 65536

/* User stack frames kept in a slow-call record. */
#define SONDE_STACK_DEPTH 32U

/* Per-function totals, one copy per CPU (BPF_MAP_TYPE_PERCPU_ARRAY, key = function id). */
/* Per function and CPU. The calls are the sum of hist[], the on-CPU time is
 * total_ns - runq_ns - blocked_ns, and offcpu_hist[] holds only the calls
 * that left the CPU (lat.bpf.c, account_call()). */
struct sonde_func_stats {
	__u64 total_ns;
	__u64 callee_ns; /* in traced callees: self time is total_ns less this */
	__u64 probe_cost_ns; /* the traced callees' probe cost subtracted, calibrated */
	__u64 min_ns_not; /* ~(the shortest call); 0 = no call yet */
	__u64 max_ns;
	/* Where the wall time went, from the scheduler tracepoints. */
	__u64 runq_ns;	  /* runnable, waiting for a CPU */
	__u64 blocked_ns; /* sleeping: I/O, locks, futexes, timers */
	__u64 hist[SONDE_HIST_BUCKETS];
	__u64 offcpu_hist[SONDE_HIST_BUCKETS]; /* per call: runq + blocked */
};

/*
 * --prometheus-pid: one function's calls in one process (BPF_MAP_TYPE_HASH
 * pid_stats, shared by every CPU: atomic adds). The calls are the sum of
 * hist[], so a read never sees a count that its buckets disagree with.
 */
struct sonde_pid_key {
	__u32 tgid;
	__u32 id; /* function id */
};

struct sonde_pid_stats {
	__u64 total_ns;
	__u64 hist[SONDE_HIST_BUCKETS];
};

/*
 * --tree: call paths. A path is the traced calls open on a thread, outermost
 * first; its id comes from path_ids, keyed by its caller's path and its
 * function, so the table is a tree (parent 0: called from no traced
 * function). Ids below SONDE_PATH_FIRST are never in path_ids: 0 is "no
 * path", SONDE_PATH_CALIB takes the calibration's calls (so it measures the
 * tree's cost too) and is never shown.
 */
#define SONDE_PATH_NONE	 0U
#define SONDE_PATH_CALIB 1U
#define SONDE_PATH_FIRST 2U
/* Paths kept by default, --tree-max (path_stats is per CPU: 24 bytes x paths x CPUs). */
#define SONDE_TREE_DEFAULT_PATHS 16384
#define SONDE_TREE_MAX_PATHS	 1048576

struct sonde_path_key {
	__u32 parent; /* the caller's path id; 0: none */
	__u32 func;   /* function id */
};

/*
 * Per path and CPU (path_stats, key = path id). A recursive call folded into
 * its caller's path (lat.bpf.c, path_enter()) adds to calls and self_ns but
 * not to total_ns, which its caller's wall time already holds: a path's
 * total_ns is then the time spent in it, and the paths' self_ns add up to
 * the outermost paths' total_ns.
 */
struct sonde_path_stats {
	__u64 calls;
	__u64 total_ns;
	__u64 self_ns;
};

/* Drop counters, indexes into the .bss array `drops`. */
enum sonde_drop {
	SONDE_DROP_DEPTH,	  /* nesting deeper than SONDE_MAX_DEPTH */
	SONDE_DROP_NO_STORAGE,	  /* task storage could not be created */
	SONDE_DROP_MISSED_RETURN, /* entry whose return probe never fired (longjmp) */
	SONDE_DROP_ORPHAN_RETURN, /* return with no matching entry (attached mid-call) */
	SONDE_DROP_BAD_ID,	  /* cookie outside the function table */
	SONDE_DROP_RINGBUF,	  /* slow-call record lost: ring buffer full */
	/* A call whose returns are probed at its exit instructions that was left
	 * without one: a C++ exception, a Go panic, or longjmp unwound it. */
	SONDE_DROP_UNWOUND,
	/* A call in progress when its thread called exec(): its return never comes. */
	SONDE_DROP_EXEC,
	/* --prometheus-pid: a call not in its process's series, the per-process
	 * table full (its function's merged totals have it). */
	SONDE_DROP_PID_TABLE,
	/* --tree: a call in no call path (its function's totals have it): the
	 * path table was full when it or a traced caller of it was entered. */
	SONDE_DROP_TREE_FULL,
	/* --offcpu-stacks: an off-CPU span of a traced call in no stack's
	 * total, the offcpu table full (its function's split has it). */
	SONDE_DROP_OFFCPU_FULL,
	/* --offcpu-stacks: a switch-out whose user stack was not taken (the
	 * stack table full, or a walk that failed): its time is under a stack
	 * of no frames, SONDE_OFFCPU_NO_STACK. */
	SONDE_DROP_OFFCPU_STACK,
	SONDE_DROP__COUNT,
};

/*
 * --offcpu-stacks: where traced calls are off the CPU. Per process, innermost
 * traced function and user stack at the switch-out (BPF_MAP_TYPE_HASH
 * offcpu, shared by every CPU: atomic adds), the time until the switch-in,
 * split as the call's own split is (run-queue: preempted, or woken and
 * waiting for a CPU; blocked: the rest).
 */
#define SONDE_OFFCPU_NO_STACK (-1)
/* User frames kept per off-CPU stack (lat.bpf.c's stacks map, as sonde mem keeps them). */
#define SONDE_OFFCPU_STACK_DEPTH 32U

struct sonde_offcpu_key {
	__u32 tgid;
	__u32 id;	/* the innermost traced call's function id */
	__s32 stack_id; /* in the stacks map; SONDE_OFFCPU_NO_STACK: not taken */
	__u32 pad;
};

struct sonde_offcpu_val {
	__u64 runq_ns;
	__u64 blocked_ns;
	__u64 spans; /* switch-outs */
};

/* Every ring-buffer record starts with its type. */
enum sonde_rec_type {
	SONDE_REC_SLOW_CALL = 1,
	SONDE_REC_OFFCPU_STACK,
};

/* --offcpu-stacks: a process's stack in the offcpu table for the first time,
 * for user space to name while the process lives (a short one may be gone by
 * its next look at the table). */
struct sonde_rec_offcpu {
	__u32 type; /* SONDE_REC_OFFCPU_STACK */
	__u32 tgid;
	__s32 stack_id;
	__u32 pad;
};

/* A call slower than --slower-than. */
struct sonde_rec_slow {
	__u32 type; /* SONDE_REC_SLOW_CALL */
	__u32 id;   /* function id */
	__u32 pid;
	__u32 tid;
	__u64 end_ns; /* CLOCK_MONOTONIC at return */
	__u64 wall_ns;
	__u64 oncpu_ns;
	__u64 runq_ns;
	__u64 blocked_ns;
	__u32 nr_frames; /* user stack at return: the caller first */
	__u32 pad;
	__u64 frames[SONDE_STACK_DEPTH];
};

#endif /* SONDE_LAT_H */
