/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A latency profile as JSON: the object `sonde lat --json` prints (DESIGN.md
 * contract), which is also what a profile file holds under "report", and
 * reading that back.
 */
#ifndef SONDE_LAT_JSON_H
#define SONDE_LAT_JSON_H

#include "lat/lat_profile.h"

struct json_t;
/* The JSON object of a report; the caller owns it. */
struct json_t *lat_profile_json(const struct lat_profile *p);
/* A profile file's report object back into *out; failures are reported (sonde: ...). */
int lat_profile_from_json(const char *path, struct json_t *root, struct lat_profile **out);

#endif
