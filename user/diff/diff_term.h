/* SPDX-License-Identifier: GPL-2.0 */
/* Renderers of a diff report: terminal table (and side-by-side histograms), JSON. */
#ifndef SONDE_DIFF_TERM_H
#define SONDE_DIFF_TERM_H

#include <stdio.h>
#include "diff/diff_core.h"
#include "out/lat_report.h"

/* The terminal table of each kind (user/out/profile_kind.h picks one). */
void report_lat_diff_term(FILE *f, const struct diff_report *r, const struct report_opts *o);
void report_mem_diff_term(FILE *f, const struct diff_report *r, const struct report_opts *o);
int report_diff_json(FILE *f, const struct diff_report *r);

#endif
