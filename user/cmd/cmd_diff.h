/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What sonde diff and sonde ab share: the verdict and output options, worded
 * once, and the diff of profile files as sonde diff prints it.
 */
#ifndef SONDE_CMD_DIFF_H
#define SONDE_CMD_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include "cmd/cmd_budget.h"
#include "cmd/cmd_format.h"
#include "diff/diff_core.h"

/* How to judge and print a diff. */
struct diff_show {
	struct diff_opts opts;
	const struct output_format *format; /* --json, --csv, --format */
	struct budget_set budgets;	    /* --budget: on the NEW runs, pooled */
	bool hist;
	const char *html; /* --html OUT.html */
	const char *flamegraph; /* diff --flamegraph SVG; NULL: none */
};

/* --metric M: an option callback (cmd_opts.h) storing an enum diff_metric. */
int cmd_diff_opt_metric(const struct cmd_opt *opt, const char *name, const char *val);

/* The option table entries of struct diff_show *s, in --help order (cmd_opts.h). */
/* clang-format off */
#define CMD_DIFF_OPTS(s) \
	CMD_OPT_CALLBACK("--metric", "M", "p50, p90 (default), p99 or mean", cmd_diff_opt_metric, \
			 &(s)->opts.metric), \
	CMD_OPT_NUMBER("--threshold", "PCT", "smallest change that counts (default 10)", \
		       &(s)->opts.threshold_pct, 0, 1e6), \
	CMD_OPT_NUMBER("--alpha", "A", "significance level (default 0.01)", &(s)->opts.alpha, \
		       1e-12, 1), \
	CMD_OPT_NUMBER("--critical", "PCT", "a regression above PCT is critical (default 50)", \
		       &(s)->opts.critical_pct, 0, 1e6), \
	CMD_OPT_BUDGET(CMD_BUDGET_LAT ",\nheld by the NEW runs (--critical as for regressions)", \
		       &(s)->budgets), \
	CMD_OPT_FLAG("--hist", NULL, "base and new histograms of each regression", &(s)->hist), \
	CMD_OPT_STRING("--html", NULL, "OUT.html", "also write the report as one self-contained " \
		       "HTML page:\nverdicts, base and new histograms side by side", &(s)->html), \
	CMD_OPT_FORMAT("the report as one JSON object", &(s)->format)
/* clang-format on */

/* The defaults of those options; what they hold freed. */
void cmd_diff_show_init(struct diff_show *s);
void cmd_diff_show_free(struct diff_show *s);

/*
 * Read files[0..nr_files-1], the first nr_base of them BASE and the rest NEW
 * (at least one each), diff them and print the report on stdout, with the
 * budgets judged on the NEW runs. The exit status: 0, SONDE_EXIT_REGRESSION
 * (a regression or a breached budget), or that of the error (said on stderr).
 */
int cmd_diff_files(const char *const *files, size_t nr_base, size_t nr_files,
		   const struct diff_show *s);

#endif
