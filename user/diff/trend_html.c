// SPDX-License-Identifier: GPL-2.0
/* The HTML page of a trend report: the terminal's table (user/diff/trend_term.c)
 * and each row's metric over the profiles, change points marked. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "core/util.h"
#include "diff/trend_html.h"
#include "diff/trend_term.h"
#include "mem/mem_profile.h"
#include "out/html.h"

static const char *fmt_rate(char *buf, size_t len, double v)
{
	char b[32];

	snprintf(buf, len, "%s/s", mem_fmt_bytes(b, sizeof(b), v));
	return buf;
}

static const char *fmt_value(const struct trend_report *r, char *buf, size_t len, double v)
{
	if (isnan(v))
		return "-";
	return r->kind == PROFILE_LAT ? fmt_ns(buf, len, v) : fmt_rate(buf, len, v);
}

/* lat: "libx.so:name" outside the main executable; mem: the stack's key. */
static void row_name(FILE *f, const struct trend_row *row)
{
	html_func_name(f, row->key && *row->key ? row->key : NULL, row->name, "");
}

/* The latest change point up (slower, or growing faster) reads as a regression. */
static const char *row_class(const struct trend_row *row)
{
	if (!row->nr_points)
		return "";
	return row->points[row->nr_points - 1].change_pct > 0 ? "regression" : "improvement";
}

static void td_value(FILE *f, const struct trend_report *r, double v)
{
	char t[48];

	html_td_num(f, isnan(v) ? -1 : v, fmt_value(r, t, sizeof(t), v));
}

static void points_cell(FILE *f, const struct trend_row *row)
{
	char t[256];

	trend_fmt_points(t, sizeof(t), row);
	fputs("<td>", f);
	html_puts(f, t);
	fputs("</td>", f);
}

static void table(FILE *f, const struct trend_report *r)
{
	char t[32];
	size_t k;

	fprintf(f,
		"<section id=\"trend\">\n<h2>Trend</h2>\n<p class=\"note\">%zu profiles, oldest "
		"first: %s over the series; a change point #N where it moved at profile N (from "
		"0) by %g%% or more, at alpha %g</p>\n"
		"<table class=\"sortable\" id=\"functions\">\n<thead><tr><th>%s</th>"
		"<th class=\"n\">first</th><th class=\"n\">last</th><th class=\"n\">change</th>"
		"<th>change points</th></tr></thead>\n<tbody>\n",
		r->nr_profiles,
		r->kind == PROFILE_LAT ? diff_metric_name(r->metric) : "growth of live bytes",
		r->threshold_pct, r->alpha, r->kind == PROFILE_LAT ? "function" : "stack");
	for (k = 0; k < r->nr_rows; k++) {
		const struct trend_row *row = &r->rows[k];

		fprintf(f, "<tr class=\"%s\"><td class=\"name\">", row_class(row));
		row_name(f, row);
		fputs("</td>", f);
		td_value(f, r, row->first);
		td_value(f, r, row->last);
		snprintf(t, sizeof(t), "%+.1f%%", row->change_pct);
		html_td_num(f, row->change_pct, t);
		points_cell(f, row);
		fputs("</tr>\n", f);
	}
	fprintf(f, "</tbody>\n</table>\n<p>%zu of %zu %s changed</p>\n</section>\n", r->changed,
		r->nr_rows, r->kind == PROFILE_LAT ? "functions" : "stacks");
}

static void profiles(FILE *f, const struct trend_report *r)
{
	fputs("<section id=\"profiles\">\n<h2>Profiles</h2>\n", f);
	html_list(f, "ol", " start=\"0\"", r->files, r->nr_profiles);
	fputs("</section>\n", f);
}

static void charts(FILE *f, const struct trend_report *r, const double *x, size_t *marks)
{
	char last[32];
	size_t k, i;

	snprintf(last, sizeof(last), "#%zu", r->nr_profiles - 1);
	fputs("<section id=\"charts\">\n<h2>Series</h2>\n<div class=\"grid\">\n", f);
	for (k = 0; k < r->nr_rows; k++) {
		const struct trend_row *row = &r->rows[k];
		size_t nr_marks = row->nr_points < r->nr_profiles ? row->nr_points : r->nr_profiles;

		for (i = 0; i < nr_marks; i++)
			marks[i] = row->points[i].index;
		fprintf(f, "<figure class=\"func %s\"><h3>", row_class(row));
		row_name(f, row);
		fputs("</h3>\n", f);
		html_line_svg(
		    f, &(struct html_line){.x = x,
					   .y = row->values,
					   .n = r->nr_profiles,
					   .fmt_y = r->kind == PROFILE_LAT ? fmt_ns : fmt_rate,
					   .x_first = "#0",
					   .x_last = last,
					   .dots = true,
					   .marks = marks,
					   .nr_marks = nr_marks});
		fputs("</figure>\n", f);
	}
	fputs("</div>\n</section>\n", f);
}

int trend_html_write(FILE *f, const struct trend_html_page *pg)
{
	const struct trend_report *r = pg->report;
	const struct run_meta *metas[] = {pg->first, pg->last};
	const char *labels[] = {"first profile (#0)", "last profile"};
	char title[64];
	double *x = calloc(r->nr_profiles ? r->nr_profiles : 1, sizeof(*x));
	/* Change points mark values: at most one each. */
	size_t *marks = calloc(r->nr_profiles ? r->nr_profiles : 1, sizeof(*marks)), i;

	if (!x || !marks) {
		free(x);
		free(marks);
		return -ENOMEM;
	}
	for (i = 0; i < r->nr_profiles; i++)
		x[i] = (double)i;
	snprintf(title, sizeof(title), "sonde trend: %zu profiles", r->nr_profiles);
	html_page_begin(f, title, metas, labels, 2);
	table(f, r);
	charts(f, r, x, marks);
	profiles(f, r);
	free(x);
	free(marks);
	return html_page_end(f);
}

int trend_html_write_ctx(FILE *f, const void *ctx)
{
	return trend_html_write(f, ctx);
}
