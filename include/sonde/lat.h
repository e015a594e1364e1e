/* SPDX-License-Identifier: GPL-2.0 */
/* Layouts shared by bpf/lat.bpf.c and the user-space loader. */
#ifndef SONDE_LAT_H
#define SONDE_LAT_H

#include "sonde/hist.h"

/* Deepest traced-call nesting kept per thread; deeper calls are counted as drops.
 * A power of two: the BPF side masks frame indexes with it. */
#define SONDE_MAX_DEPTH 64

/* Per-function totals, one copy per CPU (BPF_MAP_TYPE_PERCPU_ARRAY, key = function id). */
struct sonde_func_stats {
	__u64 calls;
	__u64 total_ns;
	__u64 self_ns;
	__u64 min_ns; /* 0 = no call yet */
	__u64 max_ns;
	__u64 hist[SONDE_HIST_BUCKETS];
};

/* Drop counters, indexes into the .bss array `drops`. */
enum sonde_drop {
	SONDE_DROP_DEPTH,	  /* nesting deeper than SONDE_MAX_DEPTH */
	SONDE_DROP_NO_STORAGE,	  /* task storage could not be created */
	SONDE_DROP_MISSED_RETURN, /* entry whose return never fired (longjmp, exceptions) */
	SONDE_DROP_ORPHAN_RETURN, /* return with no matching entry (attached mid-call) */
	SONDE_DROP_BAD_ID,	  /* cookie outside the function table */
	SONDE_DROP__COUNT,
};

#endif /* SONDE_LAT_H */
