/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The classic histogram's le boundaries: exact unions of sonde's own buckets
 * (sonde/hist.h), so a bucket count is never an estimate. Fixed for the whole
 * run, from the first scrape: a boundary that appeared later would start its
 * series at a count Prometheus cannot know the history of, and rate() over a
 * window before it would no longer add up. The same on every host by default,
 * so that sum by (le) works across a fleet: 4 per power of two from 128 ns to
 * 2^34 ns (17 s), or N per octave over another range, or a fixed list.
 */
#ifndef SONDE_PROM_BUCKETS_H
#define SONDE_PROM_BUCKETS_H

#include <stddef.h>
#include <linux/types.h>

#define PROM_DEFAULT_PER_OCTAVE 4
#define PROM_DEFAULT_LO_LOG2	7  /* 128 ns: calls faster than it share the first bucket */
#define PROM_DEFAULT_HI_LOG2	34 /* 17.2 s: slower ones are in +Inf alone */

struct prom_buckets {
	__u32 *edges; /* sonde bucket indices, ascending: le = sonde_bucket_lower_ns(edge) */
	size_t nr_edges;
};

/* The default layout: 0 or -ENOMEM. */
int prom_buckets_init(struct prom_buckets *b);
void prom_buckets_free(struct prom_buckets *b);

/*
 * --prometheus-buckets SPEC: "N/octave" (N of 1, 2, 4, 8, 16) over the default
 * range, "N/octave:LOW-HIGH" over another ("16/octave:1us-100ms", the ends
 * moved out to powers of two), or a list of durations "100us,1ms,10ms,1s",
 * each moved to the nearest edge of a sonde bucket. 0, or a sonde_fail()
 * code naming `option`.
 */
int prom_buckets_parse(struct prom_buckets *b, const char *option, const char *spec);

#endif
