/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde trend's model: each function's metric (lat) or each stack's growth
 * (mem) over a series of profiles, oldest first, paired across them as sonde
 * diff pairs them, with the change points of the series
 * (user/diff/changepoint.h).
 */
#ifndef SONDE_TREND_H
#define SONDE_TREND_H

#include <stddef.h>
#include "diff/changepoint.h"
#include "diff/diff_core.h"
#include "out/sonde_profile.h"

struct trend_row {
	/* lat: the function as diff names it; mem: name is the stack's key. */
	const char *object; /* as in the latest profile that has it */
	const char *key;
	const char *name;
	const char *mangled;
	char *owned_name; /* mem: the key, owned */
	double *values;	  /* one a profile: ns (lat) or bytes/s (mem); NAN where absent */
	size_t nr_present;
	double first, last; /* the first and last present values */
	double change_pct;  /* last against first */
	struct changepoint *points;
	size_t nr_points;
	size_t outlier;	      /* the profile set aside as an outlier run, or CP_NO_OUTLIER */
	double max_shift_pct; /* the largest change point, in size; 0 without one */
};

struct trend_report {
	enum profile_kind kind;
	enum diff_metric metric; /* lat */
	double threshold_pct, alpha;
	size_t nr_profiles;
	const char *const *files; /* the path of each, as given (not copied) */
	struct trend_row *rows;	  /* change points first, biggest shift first; then by change */
	size_t nr_rows;
	size_t changed; /* rows with a change point */
};

/*
 * The trend over profiles[0..nr-1] (all of one kind, the caller checks; at
 * least 2), read from files[0..nr-1], with o's metric, threshold and alpha.
 * 0 or -ENOMEM.
 */
int trend_compute(struct sonde_profile *const *profiles, const char *const *files, size_t nr,
		  const struct diff_opts *o, struct trend_report **out);
void trend_report_free(struct trend_report *r);

#endif
