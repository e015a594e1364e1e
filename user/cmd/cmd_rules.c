// SPDX-License-Identifier: GPL-2.0
/* sonde rules BASE...: Prometheus alerting rules from recorded baselines and budgets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "cmd/cmd.h"
#include "cmd/cmd_budget.h"
#include "cmd/cmd_diff.h"
#include "cmd/cmd_opts.h"
#include "core/util.h"
#include "diff/rules.h"
#include "diff/rules_yaml.h"
#include "out/out_file.h"

static const char rules_usage_head[] =
    "usage: sonde rules BASE [BASE...] [options]\n"
    "\n"
    "Print Prometheus alerting rules (one group of a rule file, YAML) from\n"
    "baselines recorded by sonde lat -o or sonde mem -o, over the metrics of\n"
    "sonde's --prometheus exporter. Latency: per function called in the\n"
    "baselines, its --metric over --window, aggregated over every series of that\n"
    "function and object (and --by's labels): SondeLatencyRegression, a warning\n"
    "above the baseline + --threshold %, critical above + --critical %. With\n"
    "several baselines, the baseline is the geometric mean of the runs' values,\n"
    "as sonde diff weighs runs. Memory: the live heap's growth,\n"
    "deriv(sonde_heap_live_bytes[WINDOW]), over the baselines' mean growth (at\n"
    "least 1 KiB/s, diff's floor), and sonde_rss_bytes over their highest peak.\n"
    "Each --budget is a rule too: a warning at its limit, critical beyond it by\n"
    "--critical %. Labels: severity, and function and object for latency.\n"
    "Exit status: 0, 2 bad input.\n"
    "\n";

static const char rules_usage_tail[] =
    "\nValues are in seconds and bytes. Check the file with: promtool check rules FILE.\n";

#define RULES_DEFAULT_WINDOW_NS (5 * 60 * 1000000000ULL)
#define RULES_DEFAULT_FOR_NS	(10 * 60 * 1000000000ULL)

struct rules_args {
	struct diff_show show; /* --metric, --threshold, --critical, --budget */
	const char **files;
	size_t nr_files;
	const char *output; /* -o */
	const char *group;  /* --group */
	const char *by;	    /* --by */
	__u64 window_ns, for_ns;
	__u64 min_calls; /* --min-calls */
	bool native;
};

static int add_file(void *ctx, const char *arg)
{
	struct rules_args *a = ctx;

	a->files[a->nr_files++] = arg;
	return 0;
}

/* 0, 1 when --help was printed, or a sonde_fail() code. */
static int parse_rules_args(int argc, char **argv, struct rules_args *a)
{
	struct diff_opts *d = &a->show.opts;
	const struct cmd_opt opts[] = {
	    CMD_OPT_CALLBACK("--metric", "M", "p50, p90 (default), p99 or mean (latency)",
			     cmd_diff_opt_metric, &d->metric),
	    CMD_OPT_NUMBER("--threshold", "PCT",
			   "a warning above the baseline + PCT % (default 10)", &d->threshold_pct,
			   0, 1e6),
	    CMD_OPT_NUMBER("--critical", "PCT",
			   "critical above the baseline (or a budget's limit)\n"
			   "+ PCT % (default 50)",
			   &d->critical_pct, 0, 1e6),
	    CMD_OPT_CALLBACK("--budget", "B",
			     "a limit as a rule, warning at it (repeatable):\n" CMD_BUDGET_LAT
			     "\n(max makes no rule: a histogram has none);\n" CMD_BUDGET_MEM,
			     cmd_opt_budget, &a->show.budgets),
	    CMD_OPT_DURATION("--window", "DURATION",
			     "the range of rate() and deriv() (default 5m; at\n"
			     "least 4 scrape intervals)",
			     &a->window_ns),
	    CMD_OPT_DURATION("--for", "DURATION",
			     "how long a rule holds before it fires (default 10m)", &a->for_ns),
	    CMD_OPT_COUNT("--min-calls", "N",
			  "latency rules fire only with N calls in the window\n"
			  "(default: 20 for p50 and mean, 100 for p90, 1000\n"
			  "for p99, as sonde diff's slices; 0: any)",
			  &a->min_calls, 0, 1e12),
	    CMD_OPT_FLAG("--native", NULL,
			 "PromQL over native histograms (Prometheus\n"
			 "--enable-feature=native-histograms)",
			 &a->native),
	    CMD_OPT_STRING("--by", NULL, "LABELS",
			   "also aggregate latency by these labels (instance:\n"
			   "one alert per host), comma-separated",
			   &a->by),
	    CMD_OPT_STRING("--group", NULL, "NAME", "the group's name (default sonde-BASE)",
			   &a->group),
	    CMD_OPT_STRING("-o", "--output", "FILE", "write the rules to FILE, not stdout",
			   &a->output),
	    CMD_OPT_END,
	};
	const struct cmd_opts spec = {.cmd = "rules",
				      .opts = opts,
				      .usage_head = rules_usage_head,
				      .usage_tail = rules_usage_tail,
				      .help_width = 18,
				      .arg = add_file,
				      .ctx = a};
	int err;

	cmd_diff_show_init(&a->show);
	a->window_ns = RULES_DEFAULT_WINDOW_NS;
	a->for_ns = RULES_DEFAULT_FOR_NS;
	a->min_calls = RULES_MIN_CALLS_AUTO;
	a->files = calloc(argc, sizeof(*a->files));
	if (!a->files)
		return -ENOMEM;
	err = cmd_opts_parse(&spec, argc, argv);
	if (!err && !a->nr_files)
		err =
		    sonde_fail(SONDE_EXIT_INPUT,
			       "give a baseline: sonde rules BASE.sonde [BASE...] (from sonde lat "
			       "-o or sonde mem -o)");
	if (!err && a->by && rules_check_by(a->by))
		err = sonde_fail(SONDE_EXIT_INPUT,
				 "--by '%s': give label names, comma-separated (instance,job), "
				 "other than function, object and le",
				 a->by);
	return err;
}

/* The rules rendered into a buffer first: nothing half-written on an error. */
static int render(const struct rule_set *s, const struct rules_yaml_opts *yo, char **buf,
		  size_t *len)
{
	FILE *f = open_memstream(buf, len);
	int err;

	if (!f)
		return -errno;
	err = rules_yaml_write(f, s, yo);
	if (fclose(f) && !err)
		err = -EIO;
	return err;
}

static int write_out(const char *buf, size_t len, struct out_file *out)
{
	if (out)
		return out_file_commit(out, buf, len);
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout))
		return sonde_fail(SONDE_EXIT_SYSTEM, "cannot write the rules to stdout");
	return 0;
}

int cmd_rules(int argc, char **argv)
{
	struct sonde_profile **profiles = NULL;
	struct rules_args a = {0};
	struct rule_set set = {0};
	struct out_file *out = NULL;
	char group[256], *buf = NULL;
	size_t len = 0;
	int err;

	err = parse_rules_args(argc, argv, &a);
	if (err)
		goto cleanup; /* 1: --help was printed, exit status 0 */
	err = cmd_setup("rules", a.output, &out);
	if (!err)
		err = cmd_read_profiles(a.files, a.nr_files, &profiles);
	if (!err) {
		struct rules_opts ro = {.metric = a.show.opts.metric,
					.threshold_pct = a.show.opts.threshold_pct,
					.critical_pct = a.show.opts.critical_pct,
					.min_calls = a.min_calls,
					.budgets = &a.show.budgets};

		err = rules_build(profiles, a.nr_files, &ro, &set);
	}
	if (!err) {
		struct rules_yaml_opts yo = {
		    .group = a.group ? a.group : rules_group_name(a.files[0], group, sizeof(group)),
		    .window_ns = a.window_ns,
		    .for_ns = a.for_ns,
		    .native = a.native,
		    .by = a.by,
		    .files = a.files,
		    .nr_files = a.nr_files};

		err = render(&set, &yo, &buf, &len);
	}
	if (!err)
		err = write_out(buf, len, out);
cleanup:
	free(buf);
	rule_set_free(&set);
	cmd_free_profiles(profiles, a.nr_files);
	out_file_close(out);
	cmd_diff_show_free(&a.show);
	free(a.files);
	return exit_status_of(err);
}
