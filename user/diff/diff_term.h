/* SPDX-License-Identifier: GPL-2.0 */
/* Renderers of a diff report: terminal table (and side-by-side histograms), JSON. */
#ifndef SONDE_DIFF_TERM_H
#define SONDE_DIFF_TERM_H

#include <stdio.h>
#include "diff/diff_core.h"
#include "out/format.h"

/* In the shape of the output formats' diff[] (user/out/format.h): the terminal
 * table of each kind, and one JSON object for both. */
int report_lat_diff_term(FILE *f, const struct diff_report *r, const struct report_opts *o);
int report_mem_diff_term(FILE *f, const struct diff_report *r, const struct report_opts *o);
/* What the verdicts rest on, and what would settle the inconclusive: the
 * plain lines under the table (no names in them: the HTML page holds them as they are). */
void diff_print_grounds(FILE *f, const struct diff_report *r);
int report_diff_json(FILE *f, const struct diff_report *r, const struct report_opts *o);
/* The JSON object of a diff report (the caller owns it): --json's, and --csv's rows. */
struct json_t;
struct json_t *diff_report_to_json(const struct diff_report *r);

#endif
