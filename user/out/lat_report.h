/* SPDX-License-Identifier: GPL-2.0 */
/* Renderers of a latency profile: terminal table (and histograms), JSON. */
#ifndef SONDE_LAT_REPORT_H
#define SONDE_LAT_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "lat/lat_profile.h"
#include "out/format.h"

void report_lat_term(FILE *f, const struct lat_profile *p, const struct report_opts *o);
/* One JSON object on one line (DESIGN.md contract): lat_profile_json()'s (out/lat_json.h). */
int report_lat_json(FILE *f, const struct lat_profile *p);

#endif
