// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/hist.h"
#include "mem/mem_profile.h"
#include "diff/budget.h"
#include "diff/diff_judge.h"
#include "diff/diff_term.h"
#include "core/safe_text.h"
#include "out/term.h"
#include "core/util.h"

enum dcol {
	D_VERDICT,
	D_FUNC,
	D_BASE,
	D_NEW,
	D_CHANGE,
	D_P,
	D_NOISE,
	D_P50,
	D_P99,
	D_MEAN,
	D_RATE,
	NR_DCOLS
};

/* Memory rows: verdict, growth base and new, change, p, noise, peak base and new. */
#define NR_SCOLS 8

struct dcells {
	char s[NR_DCOLS][128];
};

static void fmt_pct(char *buf, size_t len, double pct)
{
	snprintf(buf, len, "%+.1f%%", pct);
}

/* The spread a verdict was weighed against: one standard deviation between
 * runs (or slices), "-" when nothing measured it. */
static void fmt_noise(char *buf, size_t len, const struct diff_grounds *g)
{
	if (g->basis == DIFF_BY_NOTHING)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "±%.1f%%", g->noise_pct);
}

/*
 * What the verdicts rest on, and what to do when some could not be told:
 * the line after each table.
 */
void diff_print_grounds(FILE *f, const struct diff_report *r)
{
	if (r->shifted)
		fprintf(f, "one run a side, and the runs differ as a whole (the median function "
			   "%+.1f%%): the machine or the load moved as much as the build, so no "
			   "change is called\n",
			r->shift_pct);
	else if (r->nr_base_runs + r->nr_new_runs < 3)
		fprintf(f, "one run a side: its time slices stand in for runs, and only a change "
			   "of %.0f%% or more that they agree on is called\n",
			DIFF_SINGLE_RUN_MIN_PCT);
	else
		fprintf(f, "%zu base and %zu new runs; NOISE: one standard deviation between runs\n",
			r->nr_base_runs, r->nr_new_runs);
	if (r->inconclusive > r->too_noisy)
		fprintf(f, "%zu inconclusive: %u runs a side would likely tell (sonde ab --runs %u, "
			   "or more profiles: sonde diff BASE... ::: NEW...)\n",
			r->inconclusive - r->too_noisy, r->runs_needed, r->runs_needed);
	if (r->too_noisy)
		fprintf(f, "%zu inconclusive and too noisy for %d runs a side to tell\n",
			r->too_noisy, DIFF_MAX_RUNS_NEEDED);
}

static const char *row_color(const struct diff_row *r, const struct report_opts *o)
{
	if (!o->color)
		return "";
	if (r->verdict == DIFF_REGRESSION)
		return r->severity == DIFF_CRITICAL ? TERM_BOLD_RED : TERM_RED;
	return r->verdict == DIFF_IMPROVEMENT ? TERM_GREEN : "";
}

/* Row i of the table, for the names it shows (term_row_names()). */
static void func_row(const void *ctx, size_t i, struct name_row *n)
{
	const struct diff_report *r = ctx;

	n->object = r->rows[i].key;
	n->name = r->rows[i].name;
	n->mangled = r->rows[i].mangled;
}

static void fill_diff_row(struct dcells *c, const struct diff_row *r, const char *shown,
			  enum diff_metric m)
{
	const size_t n = sizeof(c->s[0]);
	bool both = r->base.calls && r->new.calls;

	if (r->verdict == DIFF_REGRESSION)
		snprintf(c->s[D_VERDICT], n, "%s (%s)", diff_verdict_name(r->verdict),
			 diff_severity_name(r->severity));
	else
		snprintf(c->s[D_VERDICT], n, "%s", diff_verdict_name(r->verdict));
	safe_text(c->s[D_FUNC], n, shown); /* from the profile: escaped before widths */
	fmt_ns(c->s[D_BASE], n, r->base.value[m]);
	fmt_ns(c->s[D_NEW], n, r->new.value[m]);
	if (!r->base.calls)
		snprintf(c->s[D_BASE], n, "-");
	if (!r->new.calls)
		snprintf(c->s[D_NEW], n, "-");
	if (!both) {
		int i;

		for (i = D_CHANGE; i < NR_DCOLS; i++)
			snprintf(c->s[i], n, "-");
		return;
	}
	fmt_pct(c->s[D_CHANGE], n, r->change_pct[m]);
	snprintf(c->s[D_P], n, r->p_value < 1e-4 ? "%.0e" : "%.4f", r->p_value);
	fmt_noise(c->s[D_NOISE], n, &r->grounds);
	fmt_pct(c->s[D_P50], n, r->change_pct[DIFF_P50]);
	fmt_pct(c->s[D_P99], n, r->change_pct[DIFF_P99]);
	fmt_pct(c->s[D_MEAN], n, r->change_pct[DIFF_MEAN]);
	fmt_pct(c->s[D_RATE], n, r->rate_change_pct);
}

/* The base and new histograms of one function, on one row grid, side by side. */
static void print_side_by_side(FILE *f, const struct diff_row *r, const char *shown)
{
	int fb, lb, fn, ln, first, last, group = 1, b, g, width = 30;
	__u64 max_count = 0, cb, cn;
	char lo[32], hi[32];

	if (hist_range(r->base.hist, &fb, &lb) || hist_range(r->new.hist, &fn, &ln))
		return;
	first = fb < fn ? fb : fn;
	last = lb > ln ? lb : ln;
	while ((last / group - first / group + 1) > 24)
		group *= 2;
	first -= first % group;
	for (b = first; b <= last; b += group) {
		for (cb = cn = 0, g = b; g < b + group && g < SONDE_HIST_BUCKETS; g++) {
			cb += r->base.hist[g];
			cn += r->new.hist[g];
		}
		max_count = cb > max_count ? cb : max_count;
		max_count = cn > max_count ? cn : max_count;
	}
	fputc('\n', f);
	safe_fputs(shown, f);
	fputs(": base (left) and new (right), calls per range\n", f);
	for (b = first; b <= last; b += group) {
		int end = b + group < SONDE_HIST_BUCKETS ? b + group : SONDE_HIST_BUCKETS;
		int wb, wn;

		for (cb = cn = 0, g = b; g < end; g++) {
			cb += r->base.hist[g];
			cn += r->new.hist[g];
		}
		wb = max_count ? (int)((cb * width + max_count - 1) / max_count) : 0;
		wn = max_count ? (int)((cn * width + max_count - 1) / max_count) : 0;
		fprintf(f, "  %8s .. %-8s %8llu %*.*s|%-*.*s %llu\n",
			fmt_ns(lo, sizeof(lo), (double)sonde_bucket_lower_ns(b)),
			fmt_ns(hi, sizeof(hi), (double)sonde_bucket_lower_ns(end)),
			(unsigned long long)cb, width, wb, "##############################", width,
			wn, "##############################", (unsigned long long)cn);
	}
}

/* Verdict and function left-aligned, numbers right-aligned. */
static void print_cell(FILE *f, int col, int width, const char *text)
{
	if (col == D_VERDICT)
		fprintf(f, "%-*s", width, text);
	else if (col == D_FUNC)
		fprintf(f, "  %-*s", width, text);
	else
		fprintf(f, "  %*s", width, text);
}

static void stack_cells(char (*c)[96], const struct diff_stack_row *s)
{
	const size_t n = 96;
	char a[32], b[32];

	if (s->verdict == DIFF_REGRESSION)
		snprintf(c[0], n, "%s (%s)", diff_verdict_name(s->verdict),
			 diff_severity_name(s->severity));
	else
		snprintf(c[0], n, "%s", diff_verdict_name(s->verdict));
	snprintf(c[1], n, "%s/s", s->in_base ? mem_fmt_bytes(a, sizeof(a), s->base_growth) : "-");
	snprintf(c[2], n, "%s/s", s->in_new ? mem_fmt_bytes(b, sizeof(b), s->new_growth) : "-");
	if (s->in_base && s->in_new) {
		fmt_pct(c[3], n, s->change_pct);
		snprintf(c[4], n, s->p_value < 1e-4 ? "%.0e" : "%.4f", s->p_value);
	} else {
		snprintf(c[3], n, "-");
		snprintf(c[4], n, "-");
	}
	fmt_noise(c[5], n, &s->grounds);
	if (!s->in_base || !s->in_new)
		snprintf(c[5], n, "-");
	snprintf(c[6], n, "%s", s->in_base ? mem_fmt_bytes(a, sizeof(a), s->base_peak) : "-");
	snprintf(c[7], n, "%s", s->in_new ? mem_fmt_bytes(b, sizeof(b), s->new_peak) : "-");
}

/* Memory profiles: one row per allocation stack, the stack itself last (it is long). */
int report_mem_diff_term(FILE *f, const struct diff_report *r, const struct report_opts *o)
{
	static const char *titles[NR_SCOLS] = {"VERDICT", "GROWTH BASE", "GROWTH NEW",
					       "CHANGE",  "P-VALUE",	 "NOISE",
					       "PEAK BASE", "PEAK NEW"};
	char(*cells)[NR_SCOLS][96] = calloc(r->nr_stacks ? r->nr_stacks : 1, sizeof(*cells));
	int w[NR_SCOLS], i;
	size_t k;

	if (!cells)
		return -ENOMEM;
	for (i = 0; i < NR_SCOLS; i++)
		w[i] = term_width(titles[i]);
	for (k = 0; k < r->nr_stacks; k++) {
		stack_cells(cells[k], &r->stacks[k]);
		for (i = 0; i < NR_SCOLS; i++)
			if (term_width(cells[k][i]) > w[i])
				w[i] = term_width(cells[k][i]);
	}
	fputs(term_color(o->color, TERM_BOLD), f);
	for (i = 0; i < NR_SCOLS; i++)
		term_cell(f, i, i ? TERM_RIGHT : TERM_LEFT, w[i], titles[i]);
	fprintf(f, "  STACK%s\n", term_color(o->color, TERM_RESET));
	for (k = 0; k < r->nr_stacks; k++) {
		const struct diff_stack_row *s = &r->stacks[k];

		if (o->color && s->verdict == DIFF_REGRESSION)
			fputs(s->severity == DIFF_CRITICAL ? TERM_BOLD_RED : TERM_RED, f);
		else if (o->color && s->verdict == DIFF_IMPROVEMENT)
			fputs(TERM_GREEN, f);
		for (i = 0; i < NR_SCOLS; i++)
			term_cell(f, i, i ? TERM_RIGHT : TERM_LEFT, w[i], cells[k][i]);
		fputs("  ", f);
		safe_fputs(s->name, f);
		fprintf(f, "%s\n", term_color(o->color, TERM_RESET));
	}
	fprintf(f, "%zu regression%s (growth of live bytes per stack; CHANGE: new vs base)\n",
		r->regressions, r->regressions == 1 ? "" : "s");
	diff_print_grounds(f, r);
	free(cells);
	return 0;
}

int report_lat_diff_term(FILE *f, const struct diff_report *r, const struct report_opts *o)
{
	static const char *titles[NR_DCOLS] = {"VERDICT", "FUNCTION", "BASE", "NEW",
					       "CHANGE",  "P-VALUE",  "NOISE", "P50",
					       "P99",	  "MEAN",     "CALLS/S"};
	char base_title[16], new_title[16];
	struct dcells *cells = calloc(r->nr_rows ? r->nr_rows : 1, sizeof(*cells));
	char **shown = term_row_names(r->nr_rows, func_row, r);
	int w[NR_DCOLS], i;
	size_t k;

	if (!cells || !shown) {
		free(cells);
		short_names_free(shown, r->nr_rows);
		return -ENOMEM;
	}
	if (o->budgets)
		budget_print_term(f, o->budgets, o->color);
	snprintf(base_title, sizeof(base_title), "%s BASE", diff_metric_name(r->metric));
	snprintf(new_title, sizeof(new_title), "%s NEW", diff_metric_name(r->metric));
	titles[D_BASE] = base_title;
	titles[D_NEW] = new_title;
	for (i = 0; i < NR_DCOLS; i++)
		w[i] = (int)strlen(titles[i]);
	for (k = 0; k < r->nr_rows; k++) {
		fill_diff_row(&cells[k], &r->rows[k], shown[k], r->metric);
		for (i = 0; i < NR_DCOLS; i++)
			if ((int)strlen(cells[k].s[i]) > w[i])
				w[i] = (int)strlen(cells[k].s[i]);
	}
	fputs(term_color(o->color, TERM_BOLD), f);
	for (i = 0; i < NR_DCOLS; i++)
		print_cell(f, i, w[i], titles[i]);
	fprintf(f, "%s\n", term_color(o->color, TERM_RESET));
	for (k = 0; k < r->nr_rows; k++) {
		fputs(row_color(&r->rows[k], o), f);
		for (i = 0; i < NR_DCOLS; i++)
			print_cell(f, i, w[i], cells[k].s[i]);
		fprintf(f, "%s\n", term_color(o->color, TERM_RESET));
	}
	fprintf(f,
		"%zu regression%s (metric %s; CHANGE, P50, P99, MEAN and CALLS/S: new vs base)\n",
		r->regressions, r->regressions == 1 ? "" : "s", diff_metric_name(r->metric));
	diff_print_grounds(f, r);
	for (k = 0; o->hist && k < r->nr_rows; k++)
		if (r->rows[k].verdict == DIFF_REGRESSION)
			print_side_by_side(f, &r->rows[k], shown[k]);
	free(cells);
	short_names_free(shown, r->nr_rows);
	return 0;
}

/* What a row's verdict rests on (docs/verdicts.md). */
static void grounds_json(json_t *o, const struct diff_grounds *g, size_t base_runs,
			 size_t new_runs)
{
	json_object_set_new(o, "basis", json_string(diff_basis_name(g->basis)));
	json_object_set_new(o, "base_runs", json_integer((json_int_t)base_runs));
	json_object_set_new(o, "new_runs", json_integer((json_int_t)new_runs));
	if (g->basis == DIFF_BY_NOTHING)
		return;
	json_object_set_new(o, "noise_pct", json_real(g->noise_pct));
	json_object_set_new(o, "ci_lo_pct", json_real(g->lo_pct));
	json_object_set_new(o, "ci_hi_pct", json_real(g->hi_pct));
	if (g->runs_needed)
		json_object_set_new(o, "runs_needed", json_integer(g->runs_needed));
}

static json_t *row_json(const struct diff_row *r, enum diff_metric m)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:f, s:f, s:s}", "kind",
			      "function", "object", r->object, "name", r->name, "verdict",
			      diff_verdict_name(r->verdict), "metric", diff_metric_name(m),
			      "base_ns", (json_int_t)llround(r->base.value[m]), "new_ns",
			      (json_int_t)llround(r->new.value[m]), "change_pct", r->change_pct[m],
			      "p_value", r->p_value, "severity", diff_severity_name(r->severity));
	int i;

	if (!o)
		return NULL;
	if (r->mangled)
		json_object_set_new(o, "mangled", json_string(r->mangled));
	json_object_set_new(o, "base_calls", json_integer((json_int_t)r->base.calls));
	json_object_set_new(o, "new_calls", json_integer((json_int_t)r->new.calls));
	json_object_set_new(o, "base_calls_per_s", json_real(r->base.rate));
	json_object_set_new(o, "new_calls_per_s", json_real(r->new.rate));
	json_object_set_new(o, "rate_change_pct", json_real(r->rate_change_pct));
	grounds_json(o, &r->grounds, r->base.nr_runs, r->new.nr_runs);
	for (i = 0; i < DIFF__METRICS; i++) {
		char key[32];

		snprintf(key, sizeof(key), "base_%s_ns", diff_metric_name(i));
		json_object_set_new(o, key, json_integer((json_int_t)llround(r->base.value[i])));
		snprintf(key, sizeof(key), "new_%s_ns", diff_metric_name(i));
		json_object_set_new(o, key, json_integer((json_int_t)llround(r->new.value[i])));
		snprintf(key, sizeof(key), "%s_change_pct", diff_metric_name(i));
		json_object_set_new(o, key, json_real(r->change_pct[i]));
	}
	return o;
}

static json_t *stack_row_json(const struct diff_stack_row *s)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:s, s:f, s:f}", "kind", "stack",
			 "name", s->name, "verdict", diff_verdict_name(s->verdict), "metric",
			 "growth_bytes_per_s", "base_bytes_per_s", s->base_growth,
			 "new_bytes_per_s", s->new_growth, "change_pct", s->change_pct, "p_value",
			 s->p_value, "severity", diff_severity_name(s->severity), "base_peak_bytes",
			 s->base_peak, "new_peak_bytes", s->new_peak);

	if (o)
		grounds_json(o, &s->grounds, s->nr_base_runs, s->nr_new_runs);
	return o;
}

json_t *diff_report_to_json(const struct diff_report *r)
{
	json_t *root = json_pack(
	    "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:f}", "type", "diff", "regressions",
	    (json_int_t)r->regressions, "inconclusive", (json_int_t)r->inconclusive, "runs_needed",
	    (json_int_t)r->runs_needed, "too_noisy", (json_int_t)r->too_noisy, "base_runs",
	    (json_int_t)r->nr_base_runs, "new_runs", (json_int_t)r->nr_new_runs, "shifted",
	    r->shifted, "shift_pct", r->shift_pct);
	json_t *rows = json_array(), *notes = json_array();
	size_t k;

	if (!root || !rows || !notes) {
		json_decref(root);
		root = NULL;
		goto cleanup;
	}
	for (k = 0; k < r->nr_rows; k++)
		json_array_append_new(rows, row_json(&r->rows[k], r->metric));
	for (k = 0; k < r->nr_stacks; k++)
		json_array_append_new(rows, stack_row_json(&r->stacks[k]));
	for (k = 0; k < r->nr_notes; k++)
		json_array_append_new(notes, json_string(r->notes[k]));
	json_object_set(root, "rows", rows);
	json_object_set(root, "notes", notes);
cleanup:
	json_decref(rows);
	json_decref(notes);
	return root;
}

int report_diff_json(FILE *f, const struct diff_report *r, const struct report_opts *o)
{
	/* sonde ab's budgets, judged on the new side, in the object. */
	return format_json_line(f, budget_json_add(diff_report_to_json(r), o ? o->budgets : NULL));
}
