/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kinds of profile ("lat", "mem"), one table: what each reads from its
 * file, frees, prints for sonde report and compares for sonde diff. Files,
 * sonde report and sonde diff look a kind up here instead of testing for it.
 */
#ifndef SONDE_PROFILE_KIND_H
#define SONDE_PROFILE_KIND_H

#include <stdbool.h>
#include <stdio.h>
#include "diff_core.h"
#include "report.h"
#include "sonde_profile.h"

struct json_t;

struct profile_kind_ops {
	enum profile_kind kind;
	const char *name; /* the file's "kind" */
	/* The kind's part of the file into sp; failures are reported (sonde: ...). */
	int (*read)(const char *path, struct json_t *root, struct sonde_profile *sp);
	void (*free)(struct sonde_profile *sp);
	/* sonde report: as the live run's final report, on the terminal or as JSON. */
	int (*report)(FILE *f, const struct sonde_profile *sp, const struct report_opts *o,
		      bool json);
	/* sonde diff: fills r (user/diff_lat.h, user/diff_mem.h). */
	int (*diff)(struct sonde_profile *const *bases, size_t nr_bases,
		    const struct sonde_profile *newp, const struct diff_opts *o,
		    struct diff_report *r);
	/* sonde diff's table on the terminal (user/report_diff.h). */
	void (*diff_term)(FILE *f, const struct diff_report *r, const struct report_opts *o);
};

const struct profile_kind_ops *profile_kind_of(enum profile_kind kind);
/* NULL when no kind has that name. */
const struct profile_kind_ops *profile_kind_named(const char *name);

#endif
