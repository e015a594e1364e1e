/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel side of sonde lat, from user space: load bpf/lat.bpf.c sized for
 * the probe set, attach the probes and the scheduler tracepoints, read the
 * per-CPU totals, drain the slow-call ring buffer, detach.
 */
#ifndef SONDE_LAT_TRACER_H
#define SONDE_LAT_TRACER_H

#include <stdbool.h>
#include <stdio.h>
#include "probe/probes.h"
#include "lat/lat_pids.h"
#include "lat/lat_profile.h"
#include "lat/slow_calls.h"
#include "core/target.h"

struct lat_tracer_opts {
	bool sched;	      /* on-CPU / run-queue / blocked split */
	__u64 slower_than_ns; /* 0: no slow-call records */
	bool json;	      /* slow-call records as JSON lines */
	bool raw;	      /* --raw: no calibration, the probes' cost stays in */
	/* --prometheus-pid: calls also counted per process, in a table of this
	 * many (function, process) entries (lat_pids_entries()); 0: off. */
	__u32 pid_entries;
	bool slow_stacks;     /* --folded: slow calls counted by stack too */
	/* --tree: call paths, at most this many; 0: off. */
	__u32 max_paths;
	/* --offcpu-stacks: user stacks at the switch-outs of traced calls (needs sched). */
	bool offcpu_stacks;
};

struct lat_tracer;

/* Load and attach; on error everything is already released. */
int lat_tracer__open(const struct lat_tracer_opts *opts, struct probe_set *set,
		     const struct target *t, struct lat_tracer **out);
void lat_tracer__close(struct lat_tracer *lt);

size_t lat_tracer__nr_links(const struct lat_tracer *lt);
bool lat_tracer__multi(const struct lat_tracer *lt);

/* Fill `p` with the totals so far, summed over CPUs. Never clears the kernel's
 * counters: intervals are differences of snapshots, so no count arriving
 * between a read and a reset is lost. */
int lat_tracer__read(struct lat_tracer *lt, struct lat_profile *p);
/* Before the final read: when every traced thread has exited, one more
 * calibration round, which brackets their last calls (calibrator__close_round()).
 * Only at the end, so a scrape or a slice of a -b run between processes
 * never takes it. */
void lat_tracer__end(struct lat_tracer *lt);

/* --prometheus-pid: the calls per process so far (lat_pids_read()). */
int lat_tracer__read_pids(struct lat_tracer *lt, struct lat_pids *p);

/* --tree: the call paths so far (lat/lat_tree.h), into *out (the caller's to free). */
int lat_tracer__read_tree(struct lat_tracer *lt, struct lat_tree **out);
/* --offcpu-stacks: name the stacks seen so far while their processes live
 * (call it as the run goes on), and read them all into p. 0 without the option. */
int lat_tracer__poll_offcpu(struct lat_tracer *lt);
int lat_tracer__read_offcpu(struct lat_tracer *lt, struct lat_profile *p);

/* Slow-call records: an fd to poll (-1 without --slower-than), and printing what waits. */
int lat_tracer__events_fd(const struct lat_tracer *lt);
int lat_tracer__drain(struct lat_tracer *lt);
/* The slow-call records so far (slow_calls.h); NULL without --slower-than. */
const struct slow_printer *lat_tracer__slow(const struct lat_tracer *lt);

#endif
