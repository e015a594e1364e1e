/* SPDX-License-Identifier: GPL-2.0 */
/* sonde diff of mem profiles: the profile kind's diff (user/out/profile_kind.h). */
#ifndef SONDE_DIFF_MEM_H
#define SONDE_DIFF_MEM_H

#include "diff/diff_core.h"
#include "out/sonde_profile.h"

/* Growth changes are relative to at least this, so a flat base is not a division by ~0. */
#define DIFF_GROWTH_FLOOR_BYTES_PER_S 1024.0

/* Fills r->stacks, sorted, and counts regressions; fails (exit status 2) when
 * none is in both the bases and the new profile. */
int diff_mem_compute(const struct diff_runs *runs, const struct diff_opts *o, struct diff_report *r);

/* A stack as diff pairs them (its functions, not offsets) and its growth of
 * live bytes (bytes/s, least squares over the run's samples). */
struct diff_mem_growth {
	char *key;
	double growth;
};

/* Every key of p, sorted and unique (stacks of one key added up), into *out
 * (free with diff_mem_growths_free()): for a series of profiles (sonde trend). */
int diff_mem_growths(const struct mem_profile *p, struct diff_mem_growth **out, size_t *nr);
void diff_mem_growths_free(struct diff_mem_growth *v, size_t nr);

#endif
