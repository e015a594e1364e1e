/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde mem's metrics for a scrape (the contract, README "Many machines"):
 * RSS, the live heap, allocation and free counters, and the live bytes of
 * the stacks that grow fastest, bounded: the top N, the rest summed under
 * stack="other". Written from the run's latest sample (every 0.5 s).
 */
#ifndef SONDE_PROM_MEM_H
#define SONDE_PROM_MEM_H

#include <stddef.h>
#include "mem/mem_profile.h"
#include "out/prom.h"

/* 0 or -ENOMEM. */
int prom_mem_write(struct prom_writer *w, const struct mem_profile *p, size_t top);

#endif
