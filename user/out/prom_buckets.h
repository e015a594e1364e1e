/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The classic histogram's le boundaries: exact unions of sonde's own buckets
 * (sonde/hist.h), so a bucket count is never an estimate. By default 4 per
 * power of two over the range of latencies seen so far (the range only
 * grows: a boundary once served is served on every later scrape), or a fixed
 * list, which a fleet should use so that every host's series have the same
 * boundaries and sum by (le).
 */
#ifndef SONDE_PROM_BUCKETS_H
#define SONDE_PROM_BUCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define PROM_DEFAULT_PER_OCTAVE 4

struct cmd_opt;

struct prom_buckets {
	unsigned int per_octave; /* 1, 2, 4, 8 or 16; 0: `list` */
	__u32 *list;		 /* a fixed list, as sonde bucket indices, ascending */
	size_t nr_list;
	bool seen;    /* lo and hi hold a range */
	__u32 lo, hi; /* the lowest and highest sonde buckets with calls, so far */
	__u32 *edges; /* what prom_buckets_edges() made last */
	size_t nr_edges;
};

void prom_buckets_init(struct prom_buckets *b);
void prom_buckets_free(struct prom_buckets *b);

/*
 * --prometheus-buckets SPEC: "N/octave" (N of 1, 2, 4, 8, 16), or a list of
 * durations "100us,1ms,10ms,100ms,1s", each moved to the nearest edge of a
 * sonde bucket. 0, or a sonde_fail() code naming `option`.
 */
int prom_buckets_parse(struct prom_buckets *b, const char *option, const char *spec);

/* Widen the range seen by one histogram's (SONDE_HIST_BUCKETS counts). */
void prom_buckets_see(struct prom_buckets *b, const __u64 *hist);

/* The edges for this scrape, into b->edges: 0 or -ENOMEM. */
int prom_buckets_edges(struct prom_buckets *b);

#endif
