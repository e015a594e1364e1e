/* SPDX-License-Identifier: GPL-2.0 */
/* Renderers of a trend report (user/diff/trend.h): terminal table with sparklines, JSON. */
#ifndef SONDE_TREND_TERM_H
#define SONDE_TREND_TERM_H

#include <stdio.h>
#include "diff/trend.h"
#include "out/format.h"

/* Sparklines in UTF-8 blocks, or in " _.-~=+*#" with o->ascii. */
int trend_report_term(FILE *f, const struct trend_report *r, const struct report_opts *o);
/* A row's change points, "#3 +29.5% (p 2e-06), #7 -20.1% (p 0.003); #5 an
 * outlier", or "-": numbers only (the HTML page holds it as it is). */
void trend_fmt_points(char *buf, size_t len, const struct trend_row *row);
/* One JSON object on one line: "type":"trend". */
int trend_report_json(FILE *f, const struct trend_report *r, const struct report_opts *o);
/* That object (the caller owns it; NULL when out of memory), for other formats (CSV). */
struct json_t *trend_report_to_json(const struct trend_report *r);

#endif
