// SPDX-License-Identifier: GPL-2.0
/* sonde trend FILE...: each function's metric over a series of profiles, and where it changed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cmd/cmd.h"
#include "cmd/cmd_format.h"
#include "diff/trend_html.h"
#include "out/html.h"
#include "cmd/cmd_opts.h"
#include "diff/trend.h"
#include "core/util.h"

static const char trend_usage_head[] =
    "usage: sonde trend FILE FILE... [options]\n"
    "\n"
    "Follow each function's metric (profiles of sonde lat -o), or each\n"
    "allocation stack's growth (sonde mem -o), over a series of profiles given\n"
    "oldest first: its first and last value, the change between them, a\n"
    "sparkline, and the change points: where it moved from one level to another\n"
    "by --threshold or more, significantly (at --alpha) against the noise\n"
    "between runs at each level. Functions pair across the files as in sonde\n"
    "diff. A change point needs a level of two runs at least, or the first or\n"
    "last run; two profiles show a change but cannot show its noise.\n"
    "docs/verdicts.md has the method. Functions that changed come first.\n"
    "Exit status: 0 (a report, not a gate: sonde diff is the gate), 2 bad input.\n"
    "\n";

static const char trend_usage_tail[] =
    "\nSparklines are UTF-8 blocks unless the locale (LC_ALL, LC_CTYPE, LANG) is\n"
    "not UTF-8, or --ascii.\n";

struct trend_args {
	struct diff_opts opts;
	const char **files;
	size_t nr_files;
	const struct output_format *format; /* --json, --format */
	bool ascii;
	const char *html; /* --html OUT.html */
};

static int parse_metric(const struct cmd_opt *opt, const char *name, const char *val)
{
	if (diff_metric_parse(val, opt->ptr))
		return sonde_fail(SONDE_EXIT_INPUT, "%s '%s': use p50, p90, p99 or mean", name,
				  val);
	return 0;
}

static int add_file(void *ctx, const char *arg)
{
	struct trend_args *a = ctx;

	a->files[a->nr_files++] = arg;
	return 0;
}

/* 0, 1 when --help was printed, or a sonde_fail() code. */
static int parse_trend_args(int argc, char **argv, struct trend_args *a)
{
	struct diff_opts *d = &a->opts;
	const struct cmd_opt opts[] = {
	    CMD_OPT_CALLBACK("--metric", "M", "p50, p90 (default), p99 or mean (lat)", parse_metric,
			     &d->metric),
	    CMD_OPT_NUMBER("--threshold", "PCT",
			   "smallest change that makes a change point (default 10)",
			   &d->threshold_pct, 0, 1e6),
	    CMD_OPT_NUMBER("--alpha", "A", "significance level (default 0.01)", &d->alpha, 1e-12,
			   1),
	    CMD_OPT_FLAG("--ascii", NULL, "sparklines in ASCII", &a->ascii),
	    CMD_OPT_FORMAT("the report as one JSON object", &a->format),
	    CMD_OPT_STRING("--html", NULL, "OUT.html",
			   "also write the report as one self-contained HTML page:\n"
			   "the table, and each series as a chart",
			   &a->html),
	    CMD_OPT_END,
	};
	const struct cmd_opts spec = {.cmd = "trend",
				      .opts = opts,
				      .usage_head = trend_usage_head,
				      .usage_tail = trend_usage_tail,
				      .help_width = 16,
				      .arg = add_file,
				      .ctx = a};
	int err;

	a->opts = (struct diff_opts){.metric = DIFF_P90, .threshold_pct = 10, .alpha = 0.01};
	a->format = cmd_format_default();
	a->files = calloc(argc, sizeof(*a->files));
	if (!a->files)
		return -ENOMEM;
	err = cmd_opts_parse(&spec, argc, argv);
	if (!err && a->nr_files < 2)
		err =
		    sonde_fail(SONDE_EXIT_INPUT,
			       "give two profiles or more, oldest first: sonde trend FILE FILE...");
	return err;
}

/* The first of LC_ALL, LC_CTYPE and LANG that is set says; none set: UTF-8. */
static bool locale_is_utf8(void)
{
	static const char *const vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (v && *v)
			return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
	}
	return true;
}

int cmd_trend(int argc, char **argv)
{
	struct sonde_profile **profiles = NULL;
	struct trend_report *report = NULL;
	struct trend_args a = {0};
	struct report_opts ro = {0};
	struct out_file *html = NULL;
	int err;

	err = parse_trend_args(argc, argv, &a);
	if (err)
		goto cleanup; /* 1: --help was printed, exit status 0 */
	/* Before the work: a path that cannot be written fails now (out_file.h). */
	if (a.html && (err = out_file_open(a.html, &html)))
		goto cleanup;
	err = cmd_read_profiles(a.files, a.nr_files, &profiles);
	if (!err)
		err = trend_compute(profiles, a.files, a.nr_files, &a.opts, &report);
	if (err)
		goto cleanup;
	ro.ascii = a.ascii || !locale_is_utf8();
	ro.color = report_want_color(stdout);
	err = a.format->trend(stdout, report, &ro);
	if (!err && html) {
		const struct trend_html_page pg = {.report = report,
						   .first = profiles[0]->meta,
						   .last = profiles[a.nr_files - 1]->meta};

		err = html_file_commit(html, trend_html_write_ctx, &pg);
	}
cleanup:
	out_file_close(html);
	trend_report_free(report);
	cmd_free_profiles(profiles, a.nr_files);
	free(a.files);
	return exit_status_of(err);
}
