/* SPDX-License-Identifier: GPL-2.0 */
/* Renderers of a diff report: terminal table (and side-by-side histograms), JSON. */
#ifndef SONDE_REPORT_DIFF_H
#define SONDE_REPORT_DIFF_H

#include <stdio.h>
#include "diff_core.h"
#include "report.h"

/* The terminal table of each kind (user/profile_kind.h picks one). */
void report_lat_diff_term(FILE *f, const struct diff_report *r, const struct report_opts *o);
void report_mem_diff_term(FILE *f, const struct diff_report *r, const struct report_opts *o);
int report_diff_json(FILE *f, const struct diff_report *r);

#endif
