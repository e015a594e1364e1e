/* SPDX-License-Identifier: GPL-2.0 */
/* Renderers of a trend report (user/diff/trend.h): terminal table with sparklines, JSON. */
#ifndef SONDE_TREND_TERM_H
#define SONDE_TREND_TERM_H

#include <stdbool.h>
#include <stdio.h>
#include "diff/trend.h"

struct trend_term_opts {
	bool ascii;		  /* sparklines in " _.-=+*#" rather than UTF-8 blocks */
	const char *const *files; /* the profiles' paths, as given */
};

void trend_report_term(FILE *f, const struct trend_report *r, const struct trend_term_opts *o);
/* One JSON object on one line: "type":"trend". */
int trend_report_json(FILE *f, const struct trend_report *r, const char *const *files);

#endif
