// SPDX-License-Identifier: GPL-2.0
/* The HTML page of a diff report: the terminal's verdict table
 * (user/diff/diff_term.c) and each function's histograms, base and new, side by side. */
#include <errno.h>
#include <stdio.h>
#include "core/util.h"
#include "diff/diff_html.h"
#include "diff/diff_term.h"
#include "mem/mem_profile.h"
#include "out/html.h"

static const char *verdict_class(enum diff_verdict v, enum diff_severity s)
{
	if (v == DIFF_REGRESSION)
		return s == DIFF_CRITICAL ? "critical" : "regression";
	return v == DIFF_IMPROVEMENT ? "improvement" : "";
}

static void td_verdict(FILE *f, enum diff_verdict v, enum diff_severity s)
{
	fprintf(f, "<td data-v=\"%d\">%s", (int)v, diff_verdict_name(v));
	if (v == DIFF_REGRESSION)
		fprintf(f, " (%s)", diff_severity_name(s));
	fputs("</td>", f);
}

static void td_pct(FILE *f, double pct)
{
	char t[32];

	snprintf(t, sizeof(t), "%+.1f%%", pct);
	html_td_num(f, pct, t);
}

static void td_p(FILE *f, double p)
{
	char t[32];

	snprintf(t, sizeof(t), p < 1e-4 ? "%.0e" : "%.4f", p);
	html_td_num(f, p, t);
}

static void td_noise(FILE *f, const struct diff_grounds *g)
{
	char t[32];

	if (g->basis == DIFF_BY_NOTHING) {
		html_td_num(f, -1, "-");
		return;
	}
	snprintf(t, sizeof(t), "±%.1f%%", g->noise_pct);
	html_td_num(f, g->noise_pct, t);
}

/* What the verdicts rest on: the terminal's lines under the table. */
static void grounds(FILE *f, const struct diff_report *r)
{
	fputs("<p class=\"note grounds\">", f);
	diff_print_grounds(f, r);
	fputs("</p>\n", f);
}

static void lat_row(FILE *f, const struct diff_report *r, const struct diff_row *d)
{
	enum diff_metric m = r->metric;
	char t[32];

	fprintf(f, "<tr class=\"%s\">", verdict_class(d->verdict, d->severity));
	td_verdict(f, d->verdict, d->severity);
	fputs("<td class=\"name\" title=\"", f);
	html_puts(f, d->object);
	fputs("\">", f);
	html_func_name(f, d->key && *d->key ? d->key : NULL, d->name, "");
	fputs("</td>", f);
	if (d->base.calls)
		html_td_num(f, d->base.value[m], fmt_ns(t, sizeof(t), d->base.value[m]));
	else
		html_td_num(f, -1, "-");
	if (d->new.calls)
		html_td_num(f, d->new.value[m], fmt_ns(t, sizeof(t), d->new.value[m]));
	else
		html_td_num(f, -1, "-");
	if (d->base.calls && d->new.calls) {
		td_pct(f, d->change_pct[m]);
		td_p(f, d->p_value);
		td_noise(f, &d->grounds);
		td_pct(f, d->change_pct[DIFF_P50]);
		td_pct(f, d->change_pct[DIFF_P99]);
		td_pct(f, d->change_pct[DIFF_MEAN]);
		td_pct(f, d->rate_change_pct);
	} else {
		int i;

		for (i = 0; i < 7; i++)
			html_td_num(f, 0, "-");
	}
	fputs("</tr>\n", f);
}

static void lat_table(FILE *f, const struct diff_report *r)
{
	const char *metric = diff_metric_name(r->metric);
	size_t k;

	fprintf(f,
		"<section id=\"verdicts\">\n<h2>Verdicts</h2>\n<p>%zu regression%s (metric %s; "
		"change, p50, p99, mean and calls/s: new vs base)</p>\n"
		"<table class=\"sortable\" id=\"functions\">\n<thead><tr><th>verdict</th>"
		"<th>function</th><th class=\"n\">%s base</th><th class=\"n\">%s new</th>"
		"<th class=\"n\">change</th><th class=\"n\">p-value</th>"
		"<th class=\"n\">noise</th><th class=\"n\">p50</th><th class=\"n\">p99</th>"
		"<th class=\"n\">mean</th><th class=\"n\">calls/s</th></tr></thead>\n<tbody>\n",
		r->regressions, r->regressions == 1 ? "" : "s", metric, metric, metric);
	for (k = 0; k < r->nr_rows; k++)
		lat_row(f, r, &r->rows[k]);
	fputs("</tbody>\n</table>\n", f);
	grounds(f, r);
	fputs("</section>\n", f);
}

/* Base and new on one scale: the same bucket is at the same place in both. */
static void side_by_side(FILE *f, const struct diff_report *r, const struct diff_row *d)
{
	const __u64 *hists[] = {d->base.hist, d->new.hist};
	const struct html_hist base = {d->base.hist, d->base.min_ns, d->base.max_ns, "base",
				       "bar base"};
	const struct html_hist new = {d->new.hist, d->new.min_ns, d->new.max_ns, "new", "bar"};
	struct html_hist_scale s;
	char a[32], b[32];

	if (html_hist_scale(&s, hists, 2))
		return;
	fprintf(f, "<figure class=\"func %s\"><h3>", verdict_class(d->verdict, d->severity));
	html_func_name(f, d->key && *d->key ? d->key : NULL, d->name, "");
	fprintf(f, ": %s", diff_verdict_name(d->verdict));
	if (d->base.calls && d->new.calls)
		fprintf(f, ", %s %s → %s (%+.1f%%)", diff_metric_name(r->metric),
			fmt_ns(a, sizeof(a), d->base.value[r->metric]),
			fmt_ns(b, sizeof(b), d->new.value[r->metric]), d->change_pct[r->metric]);
	fputs("</h3>\n<div class=\"pair\">", f);
	if (d->base.calls)
		html_hist_svg(f, &base, &s);
	if (d->new.calls)
		html_hist_svg(f, &new, &s);
	fputs("</div>\n</figure>\n", f);
}

static void lat_hists(FILE *f, const struct diff_report *r)
{
	size_t k;

	fputs("<section id=\"histograms\">\n<h2>Histograms, base and new</h2>\n"
	      "<div class=\"grid\">\n",
	      f);
	for (k = 0; k < r->nr_rows; k++)
		side_by_side(f, r, &r->rows[k]);
	fputs("</div>\n</section>\n", f);
}

static void td_bytes(FILE *f, bool have, double v, const char *suffix)
{
	char t[40], b[32];

	if (!have) {
		html_td_num(f, 0, "-");
		return;
	}
	snprintf(t, sizeof(t), "%s%s", mem_fmt_bytes(b, sizeof(b), v), suffix);
	html_td_num(f, v, t);
}

static void mem_table(FILE *f, const struct diff_report *r)
{
	size_t k;

	fprintf(f,
		"<section id=\"verdicts\">\n<h2>Verdicts</h2>\n<p>%zu regression%s (growth "
		"of live bytes per stack; change: new vs base)</p>\n"
		"<table class=\"sortable\" id=\"stack-table\">\n<thead><tr><th>verdict</th>"
		"<th class=\"n\">growth base</th><th class=\"n\">growth new</th>"
		"<th class=\"n\">change</th><th class=\"n\">p-value</th>"
		"<th class=\"n\">noise</th><th class=\"n\">peak base</th>"
		"<th class=\"n\">peak new</th><th>stack</th></tr></thead>\n<tbody>\n",
		r->regressions, r->regressions == 1 ? "" : "s");
	for (k = 0; k < r->nr_stacks; k++) {
		const struct diff_stack_row *s = &r->stacks[k];
		bool both = s->in_base && s->in_new;

		fprintf(f, "<tr class=\"%s\">", verdict_class(s->verdict, s->severity));
		td_verdict(f, s->verdict, s->severity);
		td_bytes(f, s->in_base, s->base_growth, "/s");
		td_bytes(f, s->in_new, s->new_growth, "/s");
		if (both) {
			td_pct(f, s->change_pct);
			td_p(f, s->p_value);
			td_noise(f, &s->grounds);
		} else {
			html_td_num(f, 0, "-");
			html_td_num(f, 0, "-");
			html_td_num(f, 0, "-");
		}
		td_bytes(f, s->in_base, s->base_peak, "");
		td_bytes(f, s->in_new, s->new_peak, "");
		fputs("<td class=\"name\">", f);
		html_puts(f, s->name);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
	grounds(f, r);
	fputs("</section>\n", f);
}

int diff_html_write(FILE *f, const struct diff_html_page *pg)
{
	const struct diff_report *r = pg->report;
	const struct run_meta *metas[] = {pg->base, pg->new};
	char base_label[64], new_label[64];
	const char *labels[] = {base_label, new_label};

	snprintf(base_label, sizeof(base_label), "base (%zu run%s)", r->nr_base_runs,
		 r->nr_base_runs == 1 ? "" : "s");
	snprintf(new_label, sizeof(new_label), "new (%zu run%s)", r->nr_new_runs,
		 r->nr_new_runs == 1 ? "" : "s");
	html_page_begin(f, pg->title ? pg->title : "sonde diff: base vs new", metas, labels, 2);
	if (r->kind == PROFILE_MEM) {
		mem_table(f, r);
	} else {
		lat_table(f, r);
		lat_hists(f, r);
	}
	if (r->nr_notes) {
		fputs("<section id=\"notes\">\n<h2>Notes</h2>\n", f);
		html_list(f, "ul", "", (const char *const *)r->notes, r->nr_notes);
		fputs("</section>\n", f);
	}
	return html_page_end(f);
}

int diff_html_write_ctx(FILE *f, const void *ctx)
{
	return diff_html_write(f, ctx);
}
