/* SPDX-License-Identifier: GPL-2.0 */
/* Renderers of a latency profile: terminal table (and histograms), JSON. */
#ifndef SONDE_LAT_REPORT_H
#define SONDE_LAT_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "lat/lat_profile.h"

struct report_opts {
	bool hist;  /* --hist: draw each function's histogram */
	bool color; /* a terminal, and NO_COLOR unset */
};

bool report_want_color(FILE *f);
void report_lat_term(FILE *f, const struct lat_profile *p, const struct report_opts *o);
/* The JSON object of a report (DESIGN.md contract); the caller owns it. */
struct json_t;
struct json_t *lat_profile_json(const struct lat_profile *p);
/* One JSON object on one line (DESIGN.md contract). */
int report_lat_json(FILE *f, const struct lat_profile *p);
/* A profile file's report object back into *out; failures are reported (sonde: ...). */
int lat_profile_from_json(const char *path, struct json_t *root, struct lat_profile **out);

#endif
