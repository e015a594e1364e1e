/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde diff: BASE profiles against a NEW one, each kind compared by its own
 * rules (user/out/profile_kind.h), into one model (user/diff/diff_core.h).
 */
#ifndef SONDE_DIFF_H
#define SONDE_DIFF_H

#include "diff/diff_core.h"
#include "out/profile_file.h"

/* All profiles of one kind (the caller checks); fails (exit status 2) when no
 * function (lat) or stack (mem) is in common. */
int diff_compute(struct sonde_profile *const *bases, size_t nr_bases,
		 const struct sonde_profile *newp, const struct diff_opts *o,
		 struct diff_report **out);

#endif
