// SPDX-License-Identifier: GPL-2.0
/* sonde report FILE: print a recorded profile exactly as the live run's final report. */
#include <errno.h>
#include <time.h>
#include "cmd/cmd.h"
#include "cmd/cmd_budget.h"
#include "cmd/cmd_format.h"
#include "cmd/cmd_opts.h"
#include "out/html.h"
#include "out/flamegraph.h"
#include "out/profile_stacks.h"
#include "out/lat_tree_term.h"
#include "out/profile_file.h"
#include "core/util.h"

static const char report_usage_head[] =
    "usage: sonde report FILE [--hist] [--tree] [--json] [--html OUT.html] [--flamegraph SVG]\n"
    "\n"
    "Print a profile written by sonde lat -o FILE or sonde mem -o FILE, as the\n"
    "run printed its final report.\n";

/* FILE: one. */
static int set_path(void *ctx, const char *arg)
{
	const char **path = ctx;

	if (*path)
		return sonde_fail(SONDE_EXIT_INPUT, "one FILE at a time (to compare: sonde diff)");
	*path = arg;
	return 0;
}

/*
 * What the run was, on stderr: stdout stays byte-for-byte the live report.
 * Every string but the time is the file's own: sonde_say() escapes them.
 */
static void describe_run(const char *path, const struct run_meta *m)
{
	time_t secs = (time_t)(m->start_unix_ns / 1000000000ULL);
	char when[64] = "?";
	struct tm tm;

	if (gmtime_r(&secs, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	sonde_say("%s: recorded %s on %s (Linux %s) by sonde %s: %s", path, when,
		  m->host ? m->host : "?", m->kernel ? m->kernel : "?",
		  m->sonde_version ? m->sonde_version : "?", m->options ? m->options : "?");
}

/* --tree: a lat file's, recorded. In a terminal after the table, as the live
 * run showed it; other formats have it in the report or not at all. */
static int check_tree(const char *path, const struct sonde_profile *p,
		      const struct output_format *format, bool *tree)
{
	if (!*tree)
		return 0;
	if (p->kind != PROFILE_LAT || !p->lat->tree)
		return sonde_fail(
		    SONDE_EXIT_INPUT,
		    "'%s' has no call paths: record them with sonde lat --tree -o FILE", path);
	*tree = format == cmd_format_default();
	return 0;
}

/*
 * --flamegraph: the live bytes by stack of a memory profile, or the call
 * paths of a latency profile recorded with --tree, by self time.
 */
static int write_flamegraph(const char *svg, const char *path, struct sonde_profile *p)
{
	char title[512];
	struct flamegraph_opts o = {.title = title};
	const char *what;
	struct folded f;
	/* The first set of stacks the profile holds: call paths, off-CPU stacks, live bytes. */
	int err = profile_stacks(p, 0, &f, &what);

	if (err == -ENODATA)
		err = sonde_fail(SONDE_EXIT_INPUT,
				 "--flamegraph: %s is a latency profile without call paths or "
				 "stacks; record them with sonde lat --tree (or --offcpu-stacks) -o "
				 "FILE (memory profiles hold stacks)",
				 path);
	if (!err) {
		snprintf(title, sizeof(title), "%s: %s", what, path);
		err = flamegraph_save(svg, &f, &o);
	}
	folded_free(&f);
	return err;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts ro = {.color = report_want_color(stdout)};
	struct sonde_profile *p = NULL;
	const char *path = NULL, *flamegraph = NULL;
	const struct output_format *format = cmd_format_default();
	struct budget_set budgets = BUDGET_SET_INIT;
	struct budget_eval e = {0};
	struct out_file *html_out = NULL;
	const char *html = NULL;
	bool breached = false, tree = false;
	const struct cmd_opt opts[] = {
	    CMD_OPT_FLAG("--hist", NULL, "add each function's histogram", &ro.hist),
	    CMD_OPT_FLAG("--tree", NULL, "add the call paths (a file of sonde lat --tree)", &tree),
	    CMD_OPT_FORMAT("the report as one JSON object", &format),
	    CMD_OPT_STRING("--html", NULL, "OUT.html",
			   "also write the report as one self-contained HTML page:\n"
			   "tables, histograms, time split, memory growth charts",
			   &html),
	    CMD_OPT_STRING("--flamegraph", NULL, "SVG",
			   "also write a memory profile's live bytes by stack, or a\n"
			   "lat --tree profile's call paths by self time, as an\n"
			   "interactive flame graph (click to zoom, search, hover)",
			   &flamegraph),
	    CMD_OPT_BUDGET(CMD_BUDGET_LAT ";\n" CMD_BUDGET_MEM, &budgets),
	    CMD_OPT_BUDGET_CRITICAL(&budgets.critical_pct),
	    CMD_OPT_END,
	};
	const struct cmd_opts spec = {.cmd = "report",
				      .opts = opts,
				      .usage_head = report_usage_head,
				      .help_width = 18,
				      .arg = set_path,
				      .ctx = &path};
	int err;

	err = cmd_opts_parse(&spec, argc, argv);
	if (!err && !path)
		err = sonde_fail(SONDE_EXIT_INPUT, "no FILE given (usage: sonde report FILE)");
	/* Before the work: a path that cannot be written fails now (out_file.h). */
	if (!err && html)
		err = out_file_open(html, &html_out);
	if (!err)
		err = profile_read(path, &p);
	if (!err)
		err = cmd_format_check(format, p->kind, false);
	if (!err)
		err = check_tree(path, p, format, &tree);
	/* Before anything is printed: a budget for the other kind, or a typo. */
	if (!err)
		err = cmd_budget_judge(&budgets, p, &e, &ro, &breached);
	if (!err && flamegraph)
		err = write_flamegraph(flamegraph, path, p);
	if (!err) {
		describe_run(path, p->meta);
		err = format->report[p->kind](stdout, p, &ro);
	}
	if (!err && tree)
		err = report_lat_tree_term(stdout, p->lat, &ro);
	if (!err && html_out)
		err = html_file_commit(html_out, html_write_profile_ctx, p);
	out_file_close(html_out);
	sonde_profile_free(p);
	budget_eval_free(&e);
	budget_set_free(&budgets);
	/* 1: --help was printed, exit status 0 */
	return cmd_budget_exit(exit_status_of(err), breached);
}
