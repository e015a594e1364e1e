/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde lat's metrics for a scrape (the contract, README "Many machines"):
 * per function a duration histogram and its on-CPU / run-queue / blocked
 * seconds, the probes' hits and their estimated cost to the target, drops,
 * and sonde_build_info. Written from a cumulative snapshot of the run.
 */
#ifndef SONDE_PROM_LAT_H
#define SONDE_PROM_LAT_H

#include "lat/lat_pids.h"
#include "lat/lat_profile.h"
#include "out/prom.h"
#include "out/prom_buckets.h"

/* `p` is a cumulative snapshot; `b` the classic buckets' boundaries. 0 or -ENOMEM. */
int prom_lat_write(struct prom_writer *w, const struct lat_profile *p,
		   const struct prom_buckets *b);
/*
 * The same, with sonde_function_duration_seconds split by process (a `pid`
 * label) from `pids`, cumulative too (--prometheus-pid); the other families
 * stay one series per function.
 */
int prom_lat_write_pids(struct prom_writer *w, const struct lat_profile *p,
			const struct lat_pids *pids, const struct prom_buckets *b);

/* sonde_build_info{version,kernel} 1: every exporter's first family. */
void prom_write_build_info(struct prom_writer *w);

#endif
