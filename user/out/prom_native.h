/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde's log-linear buckets (sonde/hist.h) as a Prometheus native histogram:
 * exponential buckets, index i covering (base^(i-1), base^i] seconds with
 * base = 2^(2^-schema), and a zero bucket.
 *
 * The re-bucketing is conservative: a sonde bucket [lo, hi) ns goes whole to
 * the native bucket that holds its largest value, hi - 1 ns. No observation
 * moves down; one moves up by less than its sonde bucket plus one native
 * bucket. Sonde's bucket 0 (values of 0 ns) is the zero bucket.
 */
#ifndef SONDE_PROM_NATIVE_H
#define SONDE_PROM_NATIVE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "sonde/hist.h"

/*
 * The schema sonde exports by default: the coarsest one nowhere coarser than
 * sonde's buckets. Those are 1/16..1/31 of their lower bound wide (3.2 % at
 * the finest); schema 4's buckets are 2^(1/16) - 1 = 4.4 % wide, schema 5's
 * 2^(1/32) - 1 = 2.2 %.
 */
#define PROM_NATIVE_SCHEMA     5
#define PROM_NATIVE_SCHEMA_MIN (-4)
#define PROM_NATIVE_SCHEMA_MAX 8

/*
 * The zero bucket's width in seconds: 2^-128, as client_golang's default
 * (DefNativeHistogramZeroThreshold), a bucket boundary at every schema and far
 * below sonde's smallest non-zero value, 1 ns; series from sonde and from Go
 * programs add up without widening each other's zero bucket.
 */
#define PROM_NATIVE_ZERO_THRESHOLD 0x1p-128

/* A native bucket and its count. */
struct prom_native_bucket {
	__s32 index;
	__u64 count;
};

/* A run of consecutive native buckets, `offset` after the previous run's end. */
struct prom_native_span {
	__s32 offset;
	__u32 length;
};

/*
 * Empty buckets between two that are not, up to this many, go inside one span
 * as zeros: cheaper than a new span (client_golang's rule). At schema 5 the
 * native buckets of neighbouring sonde buckets from 16 ns up are 1 to 3
 * apart, so a run of sonde buckets is one span.
 */
#define PROM_NATIVE_MAX_FILL 2

/* A histogram in Prometheus's encoding: spans, and counts as deltas in span order. */
struct prom_native {
	__u64 zero_count;
	size_t nr_spans; /* 1 for no value above zero: the no-op span, (0, 0) */
	size_t nr_deltas;
	struct prom_native_span spans[SONDE_HIST_BUCKETS];
	/* int64_t: the type protobuf-c packs from */
	int64_t deltas[SONDE_HIST_BUCKETS * (1 + PROM_NATIVE_MAX_FILL)];
};

/* Seconds of a whole number of nanoseconds, rounded once (as an le bound is written). */
double prom_ns_seconds(__u64 ns);

/* Upper bound, in seconds, of native bucket `index` at `schema` (-4..8). */
double prom_native_upper(__s32 index, int schema);

/* The native bucket that holds `seconds` (> 0) at `schema`, checked against its bounds. */
__s32 prom_native_index(double seconds, int schema);

/*
 * The native bucket of each sonde bucket's largest value, into
 * index_of[SONDE_HIST_BUCKETS] (bucket 0's is the zero bucket: unused). The
 * last sonde bucket also holds the rare values beyond it, above 2^41 ns
 * (~37 min): they count as its largest.
 */
void prom_native_indices(int schema, __s32 *index_of);

/*
 * sonde's SONDE_HIST_BUCKETS counts into non-empty native buckets, ascending
 * by index, in out[] (room for SONDE_HIST_BUCKETS), through index_of from
 * prom_native_indices(); bucket 0's count into *zero_count. Returns the
 * number of native buckets.
 */
size_t prom_native_rebucket(const __u64 *buckets, const __s32 *index_of,
			    struct prom_native_bucket *out, __u64 *zero_count);

/*
 * Ascending buckets (nr <= SONDE_HIST_BUCKETS) as spans and deltas, into n;
 * none as the no-op span that tells Prometheus the histogram is native though
 * empty (as client_golang writes it).
 */
void prom_native_encode(const struct prom_native_bucket *b, size_t nr, struct prom_native *n);

#endif
