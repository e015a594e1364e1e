/* SPDX-License-Identifier: GPL-2.0 */
/* sonde diff of lat profiles: the profile kind's diff (user/out/profile_kind.h). */
#ifndef SONDE_DIFF_LAT_H
#define SONDE_DIFF_LAT_H

#include "diff/diff_core.h"
#include "out/sonde_profile.h"

/* Fills r->rows, sorted, and counts regressions; fails (exit status 2) when
 * none is in both the bases and the new profile. */
int diff_lat_compute(const struct diff_runs *runs, const struct diff_opts *o, struct diff_report *r);

/* How diff pairs functions, for a series of profiles (sonde trend): a
 * function's key is its object's role ("" for the main executable, else the
 * file name); diff_lat_find() is the function of p with that key, name and
 * mangled name (or the only one of that name), or NULL. */
const char *diff_lat_key(const struct lat_profile *p, const char *object);
const struct func_result *diff_lat_find(const struct lat_profile *p, const char *key,
					const char *name, const char *mangled);
/* f's metric over its whole run: the per-run value diff compares. */
double diff_lat_run_metric(const struct func_result *f, enum diff_metric m);

#endif
