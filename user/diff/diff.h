/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde diff: BASE profiles against NEW ones, each kind compared by its own
 * rules (user/out/profile_kind.h), into one model (user/diff/diff_core.h).
 */
#ifndef SONDE_DIFF_H
#define SONDE_DIFF_H

#include "diff/diff_core.h"
#include "out/profile_file.h"

/* All profiles of one kind (the caller checks), at least one a side; fails
 * (exit status 2) when no function (lat) or stack (mem) is in common. */
int diff_compute(const struct diff_runs *runs, const struct diff_opts *o,
		 struct diff_report **out);

#endif
