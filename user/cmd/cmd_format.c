// SPDX-License-Identifier: GPL-2.0
/*
 * The table of output formats: a new one is its renderers (user/out/, and
 * user/diff/ for sonde diff) and one entry here.
 */
#include <string.h>
#include "cmd/cmd_format.h"
#include "diff/budget.h"
#include "diff/diff_term.h"
#include "diff/trend_term.h"
#include "out/csv.h"
#include "out/lat_json.h"
#include "out/lat_report.h"
#include "out/mem_json.h"
#include "out/profile_kind.h"
#include "core/util.h"

/* The renderers of user/out/, in the table's shape. */
static int format_lat_term(FILE *f, const struct sonde_profile *p, const struct report_opts *o)
{
	if (o->budgets)
		budget_print_term(f, o->budgets, o->color);
	report_lat_term(f, p->lat, o);
	return 0;
}

static int format_lat_json(FILE *f, const struct sonde_profile *p, const struct report_opts *o)
{
	return format_json_line(f, budget_json_add(lat_profile_json(p->lat), o->budgets));
}

/* The stacks shown are the profile's (--top of the run that made it). */
static int format_mem_term(FILE *f, const struct sonde_profile *p, const struct report_opts *o)
{
	struct mem_report_opts mo = {.color = o->color, .top = p->mem_top};

	if (o->budgets)
		budget_print_term(f, o->budgets, o->color);
	mem_report_term(f, p->mem, &mo);
	return 0;
}

static int format_mem_json(FILE *f, const struct sonde_profile *p, const struct report_opts *o)
{
	return format_json_line(
	    f, budget_json_add(mem_report_to_json(p->mem, p->mem_top), o->budgets));
}

/* CSV: the JSON reports' rows (user/out/csv.h), a header once a run. */
static int csv_report(FILE *f, struct json_t *root, const struct csv_shape *shape,
		      const struct report_opts *o)
{
	bool own = false;

	return csv_write(f, root, shape, o->header_done ? o->header_done : &own);
}

static int format_lat_csv(FILE *f, const struct sonde_profile *p, const struct report_opts *o)
{
	static const char *const context[] = {"type", "final", "duration_ns", NULL};
	const struct csv_shape shape = {.rows = "functions", .context = context};

	return csv_report(f, lat_profile_json(p->lat), &shape, o);
}

static int format_mem_csv(FILE *f, const struct sonde_profile *p, const struct report_opts *o)
{
	static const char *const context[] = {"type", "final", "elapsed_ns", "duration_ns", NULL};
	const struct csv_shape shape = {.rows = "stacks", .context = context};

	return csv_report(f, mem_report_to_json(p->mem, p->mem_top), &shape, o);
}

static int format_diff_csv(FILE *f, const struct diff_report *r, const struct report_opts *o)
{
	static const char *const context[] = {"type", NULL};
	const struct csv_shape shape = {.rows = "rows", .context = context};

	return csv_report(f, diff_report_to_json(r), &shape, o);
}

/* A trend's rows: its series and change points are arrays, so the largest
 * change point's scalars stand for them. */
static int format_trend_csv(FILE *f, const struct trend_report *r, const struct report_opts *o)
{
	static const char *const context[] = {"type", "metric", NULL};
	const struct csv_shape shape = {.rows = "rows", .context = context};

	return csv_report(f, trend_report_to_json(r), &shape, o);
}

static const struct output_format formats[] = {
    {
	.name = "term",
	.report = {[PROFILE_LAT] = format_lat_term, [PROFILE_MEM] = format_mem_term},
	.diff = {[PROFILE_LAT] = report_lat_diff_term, [PROFILE_MEM] = report_mem_diff_term},
	.trend = trend_report_term,
    },
    {
	.name = "json",
	.json_records = true,
	.report = {[PROFILE_LAT] = format_lat_json, [PROFILE_MEM] = format_mem_json},
	.diff = {[PROFILE_LAT] = report_diff_json, [PROFILE_MEM] = report_diff_json},
	.trend = trend_report_json,
    },
    {
	.name = "csv",
	/* Live records stay text lines on stderr's side of things: not rows. */
	.report = {[PROFILE_LAT] = format_lat_csv, [PROFILE_MEM] = format_mem_csv},
	.diff = {[PROFILE_LAT] = format_diff_csv, [PROFILE_MEM] = format_diff_csv},
	.trend = format_trend_csv,
    },
};

static const struct output_format *format_named(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(formats[i].name, name))
			return &formats[i];
	return NULL;
}

const struct output_format *cmd_format_default(void)
{
	return &formats[0];
}

int cmd_opt_json(const struct cmd_opt *opt, const char *name, const char *val)
{
	(void)name, (void)val;
	*(const struct output_format **)opt->ptr = format_named("json");
	return 0;
}

int cmd_opt_csv(const struct cmd_opt *opt, const char *name, const char *val)
{
	(void)name, (void)val;
	*(const struct output_format **)opt->ptr = format_named("csv");
	return 0;
}

int cmd_opt_format(const struct cmd_opt *opt, const char *name, const char *val)
{
	const struct output_format *f = format_named(val);

	(void)name;
	if (!f)
		return sonde_fail(SONDE_EXIT_INPUT, "--format '%s': use term, json or csv", val);
	*(const struct output_format **)opt->ptr = f;
	return 0;
}

int cmd_format_check(const struct output_format *f, enum profile_kind kind, bool diff)
{
	const char *k = profile_kind_of(kind)->name;

	if (diff && !f->diff[kind])
		return sonde_fail(SONDE_EXIT_INPUT,
				  "--format %s does not render diffs of %s "
				  "profiles",
				  f->name, k);
	if (!diff && !f->report[kind])
		return sonde_fail(SONDE_EXIT_INPUT, "--format %s does not render %s profiles",
				  f->name, k);
	return 0;
}
