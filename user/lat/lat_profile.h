/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-memory model of a latency run: what the terminal and JSON renderers
 * print, for an interval or for the whole run.
 */
#ifndef SONDE_LAT_PROFILE_H
#define SONDE_LAT_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "lat/lat_tree.h"
#include "sonde/lat.h"

/* One function in one time slice (user/lat/lat_slices.h): its histogram, sparse (buckets with calls only). */
struct lat_slice {
	__u64 calls, total_ns;
	__u32 nr;	/* buckets with calls */
	__u16 *bucket;	/* their indices, ascending */
	__u64 *count;
};

/* One function's slices; all functions of a profile have as many. */
struct lat_func_slices {
	size_t nr;
	struct lat_slice *s;
};

struct func_result {
	const char *object;  /* path of the object */
	const char *name;    /* demangled (C++, Rust) */
	const char *mangled; /* the symbol's own name when it differs from name, else NULL */
	__u64 calls;
	__u64 total_ns;
	__u64 self_ns;
	__u64 min_ns;
	__u64 max_ns;
	__u64 oncpu_ns;
	__u64 runq_ns;
	__u64 blocked_ns;
	/* The ± bound on its times from the spread of the probe cost subtracted
	 * from its calls (calibration_error_ns()); 0 when nothing was subtracted. */
	__u64 error_ns;
	/* What its probes cost the traced program: calls times the calibrated
	 * cost of a traced call (0 with --raw); not kept in files. */
	__u64 overhead_ns;
	/* No on-CPU / run-queue / blocked split for this function: its calls
	 * belong to goroutines, which are not threads (Go). */
	bool no_split;
	__u64 hist[SONDE_HIST_BUCKETS];
	__u64 offcpu_hist[SONDE_HIST_BUCKETS];
	/* A final profile's time slices (user/lat/lat_slices.h), owned; else NULL. */
	struct lat_func_slices *slices;
};

/*
 * --offcpu-stacks: one user stack a traced function was off the CPU in, and
 * for how long (user/lat/lat_offcpu.h). Frames as symbolize.h names them
 * ("read+0x12"), innermost first; the function's own frame is among them.
 */
struct lat_offcpu_stack {
	const char *object, *name; /* the function, as its struct func_result names it */
	char **frames;
	size_t nr;
	__u64 blocked_ns, runq_ns;
	__u64 spans; /* switch-outs */
};

struct lat_profile {
	bool final;
	const char *main_object; /* shown without its path; others as "libx.so:name" */
	__u64 duration_ns;
	bool sched;		  /* on-CPU / run-queue / blocked split measured */
	bool corrected;		  /* the probes' own cost was subtracted (calibration) */
	__u64 calib_window_ns[2]; /* per call, in its window: [emulated, single-stepped site] */
	__u64 calib_call_ns[2];	  /* per traced callee, in its caller's window */
	__u64 threads_tracked;	  /* per-thread states created in BPF ... */
	__u64 threads_freed;	  /* ... and freed when their thread exited */
	__u64 drops[SONDE_DROP__COUNT];
	/* Switch-ins the scheduler hook never saw, closed at a probe instead. */
	__u64 sched_resyncs;
	__u64 slice_ns; /* the length of its functions' slices; 0: none */
	size_t nr_funcs;
	struct func_result *funcs;
	/* --tree: a final profile's call paths (lat/lat_tree.h), owned; else NULL. */
	struct lat_tree *tree;
	/* --offcpu-stacks: measured (offcpu), and the final report's stacks,
	 * owned unless the profile is a copy (lat_profile_copy()). */
	bool offcpu;
	struct lat_offcpu_stack *offcpu_stacks;
	size_t nr_offcpu_stacks;
	bool offcpu_owned;
	/* Names read from a file belong to the profile; live ones to the probe set. */
	char **owned;
	size_t nr_owned;
};

struct lat_profile *lat_profile_new(size_t nr_funcs);
void lat_slice_free(struct lat_slice *s);
void lat_func_slices_clear(struct lat_func_slices *fs); /* its slices, not fs */
void lat_func_slices_free(struct lat_func_slices *fs);
/* One slice's histogram, dense, into hist (SONDE_HIST_BUCKETS counters). */
void lat_slice_hist(const struct lat_slice *s, __u64 *hist);
void lat_profile_free(struct lat_profile *p);
/* Keep a copy of str for the profile's lifetime; NULL when out of memory. */
const char *lat_profile_own(struct lat_profile *p, const char *str);

/* Totals and histogram of `cur` minus `prev` (cumulative snapshots), for an
 * interval; min and max come from the interval's own histogram bounds. */
void lat_profile_delta(struct lat_profile *out, const struct lat_profile *cur,
		       const struct lat_profile *prev);

/* Copy everything from src into dst (allocated for as many functions). */
void lat_profile_copy(struct lat_profile *dst, const struct lat_profile *src);

/* Replace p's off-CPU stacks by v (nr of them, now p's). */
void lat_profile_set_offcpu(struct lat_profile *p, struct lat_offcpu_stack *v, size_t nr);
void lat_offcpu_stacks_free(struct lat_offcpu_stack *v, size_t nr);

/* Sort order of reports: total time, descending; then name. */
void lat_profile_sort(struct lat_profile *p);

const char *drop_name(enum sonde_drop d);
__u64 lat_profile_drops(const struct lat_profile *p);

#endif
