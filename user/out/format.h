/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output formats as objects (term and json; csv, prometheus, folded and html
 * to come), in the manner of uftrace's per-format dump_ops: a format renders
 * the kinds it has a function for, and says nothing of the others. Commands
 * choose one through one option (user/cmd/cmd_format.h, which holds the table:
 * the diff renderers it names are user/diff/'s, a layer above this one).
 */
#ifndef SONDE_FORMAT_H
#define SONDE_FORMAT_H

#include <stdbool.h>
#include <stdio.h>
#include "out/sonde_profile.h"

struct budget_eval;

struct report_opts {
	bool hist;  /* --hist: draw each function's histogram */
	bool color; /* a terminal, and NO_COLOR unset */
	/* A final report's budgets, judged (user/diff/budget.h), or NULL: a format
	 * shows them with the report (term: before it; json: "budgets" in it). */
	const struct budget_eval *budgets;
	/* A run's reports share one CSV header: set once printed. NULL: each has its own. */
	bool *header_done;
	bool ascii; /* sparklines in ASCII (sonde trend): --ascii, or a locale not UTF-8 */
};

/* Colour on f: a terminal, and NO_COLOR unset or empty. */
bool report_want_color(FILE *f);

struct json_t;
/* A JSON report on one line of f, flushed, and freed: 0, -ENOMEM (root NULL) or -EIO. */
int format_json_line(FILE *f, struct json_t *root);

struct diff_report;
struct trend_report;

typedef int (*format_report_fn)(FILE *f, const struct sonde_profile *p,
				const struct report_opts *o);
typedef int (*format_diff_fn)(FILE *f, const struct diff_report *r, const struct report_opts *o);
typedef int (*format_trend_fn)(FILE *f, const struct trend_report *r, const struct report_opts *o);

struct output_format {
	const char *name; /* --format NAME */
	/* Records printed as they happen (--slower-than, --big, --sample) as JSON lines. */
	bool json_records;
	/* A run's report, each interval's and the final one alike (the profile says
	 * which), and what sonde report prints; NULL: the format has none for the kind. */
	format_report_fn report[PROFILE__KINDS];
	/* sonde diff's report of profiles of the kind; NULL: none. */
	format_diff_fn diff[PROFILE__KINDS];
	/* sonde trend's report (user/diff/trend.h), of either kind; NULL: none. */
	format_trend_fn trend;
};

#endif
