/* SPDX-License-Identifier: GPL-2.0 */
/* --offcpu-stacks in the terminal: after lat's table, each function's heaviest off-CPU stacks. */
#ifndef SONDE_LAT_OFFCPU_TERM_H
#define SONDE_LAT_OFFCPU_TERM_H

#include <stdio.h>
#include "lat/lat_profile.h"
#include "out/format.h"

/* Stacks shown per function; the rest are summed on one line. */
#define LAT_OFFCPU_TERM_TOP 5

/* shown[i]: the name row i of p's table shows. Nothing unless p has off-CPU stacks. */
void report_lat_offcpu_term(FILE *f, const struct lat_profile *p, char *const *shown,
			    const struct report_opts *o);

#endif
