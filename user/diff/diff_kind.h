/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How each kind of profile is compared by sonde diff, one table beside the
 * kinds' own (user/out/profile_kind.h): the comparison and its terminal table.
 */
#ifndef SONDE_DIFF_KIND_H
#define SONDE_DIFF_KIND_H

#include <stdio.h>
#include "diff/diff_core.h"
#include "out/lat_report.h"

struct diff_kind_ops {
	/* Fills r (user/diff/diff_lat.h, user/diff/diff_mem.h). */
	int (*diff)(const struct diff_runs *runs, const struct diff_opts *o, struct diff_report *r);
	/* The table on the terminal (user/diff/diff_term.h). */
	void (*term)(FILE *f, const struct diff_report *r, const struct report_opts *o);
};

const struct diff_kind_ops *diff_kind_of(enum profile_kind kind);

#endif
