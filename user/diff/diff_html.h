/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde diff --html OUT.html: the diff report as one self-contained page
 * (user/out/html.h): what was compared, the verdict table, and per function
 * the base and new histograms side by side on one scale.
 */
#ifndef SONDE_DIFF_HTML_H
#define SONDE_DIFF_HTML_H

#include <stdio.h>
#include "diff/diff_core.h"

struct diff_html_page {
	const struct diff_report *report;
	const struct run_meta *base, *new; /* the first run of each side; NULL: not shown */
	const char *title;		   /* NULL: "sonde diff: base vs new" */
};

/* 0, -ENOMEM or -EIO. */
int diff_html_write(FILE *f, const struct diff_html_page *pg);
/* For html_file_commit(): ctx is a const struct diff_html_page *. */
int diff_html_write_ctx(FILE *f, const void *ctx);

#endif
