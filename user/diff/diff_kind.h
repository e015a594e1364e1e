/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How each kind of profile is compared by sonde diff, one table beside the
 * kinds' own (user/out/profile_kind.h); each output format renders the result
 * its own way (user/out/format.h).
 */
#ifndef SONDE_DIFF_KIND_H
#define SONDE_DIFF_KIND_H

#include <stdio.h>
#include "diff/diff_core.h"
#include "out/sonde_profile.h"

struct diff_kind_ops {
	/* Fills r (user/diff/diff_lat.h, user/diff/diff_mem.h). */
	int (*diff)(const struct diff_runs *runs, const struct diff_opts *o, struct diff_report *r);
};

const struct diff_kind_ops *diff_kind_of(enum profile_kind kind);

#endif
