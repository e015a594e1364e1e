/* SPDX-License-Identifier: GPL-2.0 */
/* sonde diff of mem profiles: the profile kind's diff (user/out/profile_kind.h). */
#ifndef SONDE_DIFF_MEM_H
#define SONDE_DIFF_MEM_H

#include "diff/diff_core.h"
#include "out/sonde_profile.h"

/* Fills r->stacks, sorted, and counts regressions; fails (exit status 2) when
 * none is in both the bases and the new profile. */
int diff_mem_compute(const struct diff_runs *runs, const struct diff_opts *o, struct diff_report *r);

#endif
