/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde trend --html OUT.html: the trend report as one self-contained page
 * (user/out/html.h): the terminal's table, and each row's series as a chart
 * with its change points marked.
 */
#ifndef SONDE_TREND_HTML_H
#define SONDE_TREND_HTML_H

#include <stdio.h>
#include "diff/trend.h"

struct trend_html_page {
	const struct trend_report *report;
	const struct run_meta *first, *last; /* of the oldest and the newest profile */
};

/* 0, -ENOMEM or -EIO. */
int trend_html_write(FILE *f, const struct trend_html_page *pg);
/* For html_file_commit(): ctx is a const struct trend_html_page *. */
int trend_html_write_ctx(FILE *f, const void *ctx);

#endif
