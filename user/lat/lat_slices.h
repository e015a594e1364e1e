/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A latency run cut in time slices (100 ms each, at first): each traced
 * function's calls, time and histogram per slice, at full resolution, so that
 * sonde diff can see how much a function moves within a run (user/diff/).
 * Bounded: past LAT_SLICES_MAX slices, or LAT_SLICES_MAX_PAIRS buckets kept in
 * all, neighbours merge and slices get twice as long.
 */
#ifndef SONDE_LAT_SLICES_H
#define SONDE_LAT_SLICES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "lat/lat_profile.h"

#define LAT_SLICE_NS	     100000000ULL
#define LAT_SLICES_MAX	     64
#define LAT_SLICES_MAX_PAIRS (1u << 21)

/* The slices of a live run, filled from cumulative snapshots as it goes. */
struct lat_slicer {
	__u64 width_ns;	    /* of each slice */
	__u64 started_ns;   /* of the current slice, since the run's start */
	size_t nr_slices;   /* complete ones */
	size_t nr_funcs;
	size_t pairs;	    /* buckets kept over all slices */
	struct lat_func_slices *funcs;
	struct lat_slice *last; /* each function's cumulative counts where this slice began */
};

struct lat_slicer *lat_slicer_new(size_t nr_funcs);
void lat_slicer_free(struct lat_slicer *s);
/* cur: the cumulative profile at elapsed_ns into the run; a slice is closed
 * each time elapsed_ns passes the end of the current one. */
int lat_slicer_tick(struct lat_slicer *s, const struct lat_profile *cur, __u64 elapsed_ns);
/* Whether a tick at elapsed_ns would close a slice (else there is nothing to read). */
bool lat_slicer_due(const struct lat_slicer *s, __u64 elapsed_ns);
/* Slices from now on twice as long: reading costs too much for the present length. */
void lat_slicer_widen(struct lat_slicer *s);
/* The slices into the final profile p (its functions in the tracer's order,
 * before sorting): each function's func_result.slices; p->slice_ns. */
int lat_slicer_finish(struct lat_slicer *s, const struct lat_profile *cur, __u64 elapsed_ns,
		      struct lat_profile *p);


#endif
