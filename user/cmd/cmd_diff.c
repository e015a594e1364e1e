// SPDX-License-Identifier: GPL-2.0
/* sonde diff BASE... [:::] NEW...: which functions regressed, by how much, how surely. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"
#include "cmd/cmd_diff.h"
#include "cmd/cmd_format.h"
#include "cmd/cmd_opts.h"
#include "diff/diff.h"
#include "diff/diff_html.h"
#include "out/html.h"
#include "out/flamegraph.h"
#include "out/lat_tree_folded.h"
#include "out/mem_folded.h"
#include "core/util.h"

static const char diff_usage_head[] =
    "usage: sonde diff BASE [BASE...] NEW [options]\n"
    "       sonde diff BASE [BASE...] ::: NEW [NEW...] [options]\n"
    "\n"
    "Compare profiles written by sonde lat -o or sonde mem -o. The evidence is\n"
    "runs, not calls: a function regressed when its metric grew by more than the\n"
    "threshold, significantly across the runs (Student's t), and beyond the\n"
    "spread of the BASE runs. With one run a side, the runs' one-second slices\n"
    "stand in, and only a change of 50 % or more they agree on is called.\n"
    "Otherwise: unchanged when the data shows the change is within the\n"
    "threshold, inconclusive (with the runs that would settle it) when it cannot.\n"
    "docs/verdicts.md has the method.\n"
    "With --flamegraph, memory profiles also as a flame graph of the NEW runs'\n"
    "live bytes by stack (the mean of the runs), each frame red where it grew\n"
    "from the BASE runs' mean, blue where it shrank, grey where it held; latency\n"
    "profiles recorded with sonde lat --tree, their call paths' self time.\n"
    "Exit status: 0 no regression, 1 regression, 2 bad input.\n"
    "\n";

struct diff_args {
	struct diff_show show;
	const char **files;
	size_t nr_files;
	size_t nr_base; /* files before ":::"; 0 when there is none (the last file is NEW) */
};

int cmd_diff_opt_metric(const struct cmd_opt *opt, const char *name, const char *val)
{
	(void)name;
	if (diff_metric_parse(val, opt->ptr))
		return sonde_fail(SONDE_EXIT_INPUT, "--metric '%s': use p50, p90, p99 or mean",
				  val);
	return 0;
}

static int add_file(void *ctx, const char *arg)
{
	struct diff_args *a = ctx;

	if (!strcmp(arg, ":::")) {
		if (a->nr_base)
			return sonde_fail(SONDE_EXIT_INPUT, "':::' may stand only once, between "
							    "the BASE and the NEW profiles");
		a->nr_base = a->nr_files;
		if (!a->nr_base)
			return sonde_fail(SONDE_EXIT_INPUT, "give a BASE profile before ':::'");
		return 0;
	}
	a->files[a->nr_files++] = arg;
	return 0;
}

/* 0, 1 when --help was printed, or a sonde_fail() code. */
static int parse_diff_args(int argc, char **argv, struct diff_args *a)
{
	const struct cmd_opt opts[] = {
	    CMD_DIFF_OPTS(&a->show),
	    CMD_OPT_STRING("--flamegraph", NULL, "SVG",
			   "also write the live bytes by stack (memory profiles), or the\n"
			   "self time by call path (lat --tree files), as a flame graph\n"
			   "coloured by the change from BASE",
			   &a->show.flamegraph),
	    CMD_OPT_END,
	};
	const struct cmd_opts spec = {.cmd = "diff",
				      .opts = opts,
				      .usage_head = diff_usage_head,
				      .help_width = 18,
				      .arg = add_file,
				      .ctx = a};
	int err;

	cmd_diff_show_init(&a->show);
	a->files = calloc(argc, sizeof(*a->files));
	if (!a->files)
		return -ENOMEM;
	err = cmd_opts_parse(&spec, argc, argv);
	if (!err && a->nr_base && a->nr_files == a->nr_base)
		err = sonde_fail(SONDE_EXIT_INPUT, "give a NEW profile after ':::'");
	if (!err && a->nr_files < 2)
		err = sonde_fail(SONDE_EXIT_INPUT,
				 "give at least two profiles: sonde diff BASE [BASE...] NEW");
	if (!err && !a->nr_base)
		a->nr_base = a->nr_files - 1;
	return err;
}

void cmd_diff_show_init(struct diff_show *s)
{
	*s = (struct diff_show){.opts = {DIFF_P90, 10, 0.01, 50},
				.format = cmd_format_default(),
				.budgets = BUDGET_SET_INIT};
}

void cmd_diff_show_free(struct diff_show *s)
{
	budget_set_free(&s->budgets);
}

/* The budgets on the NEW side of the report, shown with it (ro->budgets). */
static int judge_budgets(const struct diff_show *s, const struct diff_report *r,
			 struct budget_eval *e, struct report_opts *ro)
{
	struct budget_set b = s->budgets;
	int err;

	if (!b.nr)
		return 0;
	/* One --critical for regressions and budgets alike. */
	b.critical_pct = s->opts.critical_pct;
	err = budget_check_kind(&b, r->kind, "a diff of memory profiles");
	if (!err)
		err = budget_eval_diff(&b, r, e);
	if (!err)
		ro->budgets = e;
	return err;
}

/*
 * --flamegraph: NEW's mean live bytes by stack, coloured by the change from
 * BASE's mean; for latency profiles recorded with --tree, their call paths'
 * mean self time.
 */
static int write_flamegraph(const char *svg, const char *const *files, size_t nr_base,
			    size_t nr_files, struct sonde_profile **p)
{
	const bool lat = p[0]->kind == PROFILE_LAT;
	char title[512];
	struct folded base, now;
	struct flamegraph_opts o = {.title = title, .base = &base};
	int err;

	snprintf(title, sizeof(title), "%s: %s%s against %s%s (red grew, blue shrank)",
		 lat ? "Self time by call path" : "Live bytes by stack", files[nr_base],
		 nr_files - nr_base > 1 ? " ..." : "", files[0], nr_base > 1 ? " ..." : "");
	folded_init(&base, lat ? "ns" : "bytes");
	folded_init(&now, lat ? "ns" : "bytes");
	if (lat) {
		err = lat_tree_folded_mean(&base, p, nr_base);
		if (!err)
			err = lat_tree_folded_mean(&now, p + nr_base, nr_files - nr_base);
		if (err == -ENOENT)
			err = sonde_fail(
			    SONDE_EXIT_INPUT,
			    "--flamegraph: latency profiles hold no stacks but their call "
			    "paths, recorded by sonde lat --tree -o FILE (each file needs "
			    "them); memory profiles (sonde mem -o) hold stacks");
	} else {
		err = mem_folded_mean(&base, p, nr_base, MEM_FOLDED_LIVE);
		if (!err)
			err =
			    mem_folded_mean(&now, p + nr_base, nr_files - nr_base, MEM_FOLDED_LIVE);
	}
	if (!err)
		err = flamegraph_save(svg, &now, &o);
	folded_free(&base);
	folded_free(&now);
	return err;
}

int cmd_diff_files(const char *const *files, size_t nr_base, size_t nr_files,
		   const struct diff_show *s)
{
	struct report_opts ro = {.hist = s->hist, .color = report_want_color(stdout)};
	struct sonde_profile **profiles = NULL;
	struct diff_report *report = NULL;
	struct out_file *html = NULL;
	struct budget_eval e = {0};
	bool breached;
	struct diff_runs runs;
	size_t i;
	int err;

	/* Before the work: a path that cannot be written fails now (out_file.h). */
	err = s->html ? out_file_open(s->html, &html) : 0;
	if (!err)
		err = cmd_read_profiles(files, nr_files, &profiles);
	if (!err)
		err = cmd_format_check(s->format, profiles[0]->kind, true);
	if (!err && s->flamegraph)
		err = write_flamegraph(s->flamegraph, files, nr_base, nr_files, profiles);
	if (err)
		goto cleanup;
	runs = (struct diff_runs){.base = profiles,
				  .nr_base = nr_base,
				  .new = profiles + nr_base,
				  .nr_new = nr_files - nr_base};
	err = diff_compute(&runs, &s->opts, &report);
	if (!err)
		err = judge_budgets(s, report, &e, &ro);
	if (err)
		goto cleanup;
	for (i = 0; i < report->nr_notes; i++)
		sonde_say("note: %s", report->notes[i]); /* paths from the profiles: escaped */
	err = s->format->diff[report->kind](stdout, report, &ro);
	if (!err && html) {
		const struct diff_html_page pg = {.report = report,
						  .base = profiles[0]->meta,
						  .new = profiles[nr_base]->meta};

		err = html_file_commit(html, diff_html_write_ctx, &pg);
	}
cleanup:
	out_file_close(html);
	cmd_free_profiles(profiles, nr_files);
	breached = e.breaches > 0;
	budget_eval_free(&e);
	if (!err && report && (report->regressions || breached)) {
		diff_report_free(report);
		return SONDE_EXIT_REGRESSION;
	}
	diff_report_free(report);
	return exit_status_of(err);
}

int cmd_diff(int argc, char **argv)
{
	struct diff_args a = {0};
	int err;

	err = parse_diff_args(argc, argv, &a);
	if (!err)
		err = cmd_diff_files(a.files, a.nr_base, a.nr_files, &a.show);
	else
		err = exit_status_of(err); /* 1: --help was printed, exit status 0 */
	free(a.files);
	cmd_diff_show_free(&a.show);
	return err;
}
