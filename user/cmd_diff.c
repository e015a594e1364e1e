// SPDX-License-Identifier: GPL-2.0
/* sonde diff BASE [BASE...] NEW: which functions regressed, by how much, how surely. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "diff.h"
#include "report_diff.h"
#include "util.h"

static void diff_usage(FILE *f)
{
	fprintf(f, "usage: sonde diff BASE [BASE...] NEW [options]\n"
		   "\n"
		   "Compare profiles written by sonde lat -o. A function regressed when its\n"
		   "metric grew by more than the threshold, significantly (Mann-Whitney U over\n"
		   "the histograms), and, with several BASE runs, beyond their own spread.\n"
		   "Exit status: 0 no regression, 1 regression, 2 bad input.\n"
		   "\n"
		   "  --metric M       p50, p90 (default), p99 or mean\n"
		   "  --threshold PCT  smallest change that counts (default 10)\n"
		   "  --alpha A        significance level (default 0.01)\n"
		   "  --critical PCT   a regression above PCT is critical (default 50)\n"
		   "  --hist           base and new histograms of each regression\n"
		   "  --json           the report as one JSON object\n");
}

static int parse_number(const char *opt, const char *val, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(val, &end);
	if (errno || end == val || *end || *out < lo || *out > hi)
		return sonde_fail(SONDE_EXIT_INPUT, "%s '%s' is not a number in [%g, %g]", opt, val,
				  lo, hi);
	return 0;
}

struct diff_args {
	struct diff_opts opts;
	const char **files;
	size_t nr_files;
	bool json, hist;
};

static int parse_diff_args(int argc, char **argv, struct diff_args *a)
{
	int i, err = 0;

	a->opts = (struct diff_opts){DIFF_P90, 10, 0.01, 50};
	a->files = calloc(argc, sizeof(*a->files));
	if (!a->files)
		return -ENOMEM;
	for (i = 1; i < argc && !err; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes_value = !strcmp(o, "--metric") || !strcmp(o, "--threshold") ||
				   !strcmp(o, "--alpha") || !strcmp(o, "--critical");

		if (takes_value && !v)
			return sonde_fail(SONDE_EXIT_INPUT, "%s needs a value", o);
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			diff_usage(stdout);
			exit(SONDE_EXIT_OK);
		} else if (!strcmp(o, "--metric")) {
			if (diff_metric_parse(v, &a->opts.metric))
				err = sonde_fail(SONDE_EXIT_INPUT,
						 "--metric '%s': use p50, p90, p99 or mean", v);
		} else if (!strcmp(o, "--threshold")) {
			err = parse_number(o, v, 0, 1e6, &a->opts.threshold_pct);
		} else if (!strcmp(o, "--alpha")) {
			err = parse_number(o, v, 1e-12, 1, &a->opts.alpha);
		} else if (!strcmp(o, "--critical")) {
			err = parse_number(o, v, 0, 1e6, &a->opts.critical_pct);
		} else if (!strcmp(o, "--json")) {
			a->json = true;
		} else if (!strcmp(o, "--hist")) {
			a->hist = true;
		} else if (o[0] == '-' && o[1]) {
			err = sonde_fail(SONDE_EXIT_INPUT,
					 "unknown option '%s' (try: sonde diff --help)", o);
		} else {
			a->files[a->nr_files++] = o;
		}
		i += takes_value;
	}
	if (!err && a->nr_files < 2)
		err = sonde_fail(SONDE_EXIT_INPUT,
				 "give at least two profiles: sonde diff BASE [BASE...] NEW");
	return err;
}

int cmd_diff(int argc, char **argv)
{
	struct report_opts ro = {.color = report_want_color(stdout)};
	struct sonde_profile **profiles = NULL;
	struct diff_report *report = NULL;
	struct diff_args a = {0};
	size_t i, loaded = 0;
	int err;

	err = parse_diff_args(argc, argv, &a);
	if (err)
		goto cleanup;
	profiles = calloc(a.nr_files, sizeof(*profiles));
	if (!profiles) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < a.nr_files && !err; i++, loaded++)
		err = profile_read(a.files[i], &profiles[i]);
	if (err)
		goto cleanup;
	for (i = 1; i < a.nr_files && !err; i++)
		if (profiles[i]->kind != profiles[0]->kind)
			err = sonde_fail(SONDE_EXIT_INPUT,
					 "'%s' and '%s' are profiles of different kinds",
					 a.files[0], a.files[i]);
	if (err)
		goto cleanup;
	err = diff_compute(profiles, a.nr_files - 1, profiles[a.nr_files - 1], &a.opts, &report);
	if (err)
		goto cleanup;
	for (i = 0; i < report->nr_notes; i++)
		sonde_say("note: %s", report->notes[i]); /* paths from the profiles: escaped */
	ro.hist = a.hist;
	if (a.json)
		err = report_diff_json(stdout, report);
	else
		report_diff_term(stdout, report, &ro);
cleanup:
	for (i = 0; i < loaded; i++)
		sonde_profile_free(profiles[i]);
	free(profiles);
	free(a.files);
	if (!err && report && report->regressions) {
		diff_report_free(report);
		return SONDE_EXIT_REGRESSION;
	}
	diff_report_free(report);
	return exit_status_of(err);
}
