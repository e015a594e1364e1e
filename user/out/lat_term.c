// SPDX-License-Identifier: GPL-2.0
/* Terminal renderer: a table sized to its contents, then optional histograms. */
#include <stdlib.h>
#include <string.h>
#include "core/hist.h"
#include "out/lat_offcpu_term.h"
#include "out/lat_report.h"
#include "core/safe_text.h"
#include "out/term.h"
#include "core/util.h"

enum col {
	C_NAME,
	C_CALLS,
	C_RATE,
	C_P50,
	C_P90,
	C_P99,
	C_P999,
	C_ERR, /* the ± bound from the probes' cost (calibration_error_ns()) */
	C_MAX,
	C_MEAN,
	C_TOTAL,
	C_SELF,
	C_ONCPU, /* the scheduler split, as shares of the wall time */
	C_RUNQ,
	C_BLOCKED,
	NR_COLS
};

static const char *const col_titles[NR_COLS] = {
    "FUNCTION", "CALLS", "CALLS/S", "P50",  "P90",   "P99",  "P99.9",   "±ERR",
    "MAX",	"MEAN",	 "TOTAL",   "SELF", "ONCPU", "RUNQ", "BLOCKED",
};

struct cell {
	char s[NR_COLS][160];
};

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void fmt_share(char *buf, size_t len, __u64 part, __u64 whole)
{
	snprintf(buf, len, "%.1f%%", whole ? 100.0 * (double)part / (double)whole : 0.0);
}

/* Row i of the table, for the names it shows (term_row_names()). */
static void func_row(const void *ctx, size_t i, struct name_row *r)
{
	const struct lat_profile *p = ctx;

	r->object = p->funcs[i].object;
	r->name = p->funcs[i].name;
	r->mangled = p->funcs[i].mangled;
}

static void fill_row(struct cell *c, const struct func_result *f, const char *shown,
		     const struct lat_profile *p)
{
	double secs = p->duration_ns ? p->duration_ns / 1e9 : 0;
	static const double qs[] = {0.50, 0.90, 0.99, 0.999};
	char obj[sizeof(c->s[0])], name[sizeof(c->s[0])];
	int i;

	/* Escaped before the widths are taken: the names come from the binary. */
	if (p->main_object && strcmp(f->object, p->main_object))
		snprintf(c->s[C_NAME], sizeof(c->s[0]), "%s:%s",
			 safe_name(obj, sizeof(obj), base_name(f->object)),
			 safe_name(name, sizeof(name), shown));
	else
		safe_text(c->s[C_NAME], sizeof(c->s[0]), shown);
	fmt_count(c->s[C_CALLS], sizeof(c->s[0]), (double)f->calls);
	fmt_count(c->s[C_RATE], sizeof(c->s[0]), secs > 0 ? f->calls / secs : 0);
	if (!f->calls) {
		for (i = C_P50; i < NR_COLS; i++)
			snprintf(c->s[i], sizeof(c->s[0]), "-");
		return;
	}
	for (i = 0; i < 4; i++)
		fmt_ns(c->s[C_P50 + i], sizeof(c->s[0]),
		       hist_quantile(f->hist, f->min_ns, f->max_ns, qs[i]));
	snprintf(c->s[C_ERR], sizeof(c->s[0]), "±");
	fmt_ns(c->s[C_ERR] + strlen(c->s[C_ERR]), sizeof(c->s[0]) - strlen(c->s[C_ERR]),
	       (double)f->error_ns);
	fmt_ns(c->s[C_MAX], sizeof(c->s[0]), (double)f->max_ns);
	fmt_ns(c->s[C_MEAN], sizeof(c->s[0]), (double)f->total_ns / f->calls);
	fmt_ns(c->s[C_TOTAL], sizeof(c->s[0]), (double)f->total_ns);
	fmt_ns(c->s[C_SELF], sizeof(c->s[0]), (double)f->self_ns);
	if (f->no_split) {
		for (i = C_ONCPU; i <= C_BLOCKED; i++)
			snprintf(c->s[i], sizeof(c->s[0]), "-");
		return;
	}
	fmt_share(c->s[C_ONCPU], sizeof(c->s[0]), f->oncpu_ns, f->total_ns);
	fmt_share(c->s[C_RUNQ], sizeof(c->s[0]), f->runq_ns, f->total_ns);
	fmt_share(c->s[C_BLOCKED], sizeof(c->s[0]), f->blocked_ns, f->total_ns);
}

/* The first column left-aligned, the others right-aligned, width columns each. */
static void print_cell(FILE *f, int col, int width, const char *s)
{
	term_cell(f, col, col ? TERM_RIGHT : TERM_LEFT, width, s);
}

static void print_drops(FILE *f, const struct lat_profile *p, const struct report_opts *o)
{
	int i, n = 0;

	if (!lat_profile_drops(p))
		return;
	fprintf(f, "%sdropped:", term_color(o->color, TERM_YELLOW));
	for (i = 0; i < SONDE_DROP__COUNT; i++)
		if (p->drops[i])
			fprintf(f, "%s %s=%llu", n++ ? "," : "", drop_name(i),
				(unsigned long long)p->drops[i]);
	fprintf(f, "%s\n", term_color(o->color, TERM_RESET));
}

/* Rows of a collapsed histogram: groups of 2^k sub-buckets so that at most ~24 rows show. */
static void print_hist(FILE *f, const __u64 *hist, __u64 min_ns, __u64 max_ns, const char *title,
		       const struct report_opts *o)
{
	int first, last, group = 1, b, g, width = 40;
	__u64 max_count = 0, counts;
	double p50, p99;
	char lo[32], hi[32];

	if (hist_range(hist, &first, &last))
		return;
	while ((last / group - first / group + 1) > 24 && group < SONDE_HIST_SUB)
		group *= 2;
	while ((last / group - first / group + 1) > 24)
		group *= 2;
	first -= first % group;
	for (b = first; b <= last; b += group) {
		for (counts = 0, g = b; g < b + group && g < SONDE_HIST_BUCKETS; g++)
			counts += hist[g];
		if (counts > max_count)
			max_count = counts;
	}
	p50 = hist_quantile(hist, min_ns, max_ns, 0.50);
	p99 = hist_quantile(hist, min_ns, max_ns, 0.99);
	fprintf(f, "\n%s%s%s\n", term_color(o->color, TERM_BOLD), title,
		term_color(o->color, TERM_RESET));
	for (b = first; b <= last; b += group) {
		int end = b + group < SONDE_HIST_BUCKETS ? b + group : SONDE_HIST_BUCKETS;
		__u64 low = sonde_bucket_lower_ns(b), high = sonde_bucket_lower_ns(end);
		const char *mark = "";
		int bar;

		for (counts = 0, g = b; g < end; g++)
			counts += hist[g];
		if (p50 >= low && p50 < high)
			mark = p99 >= low && p99 < high ? " <- p50 p99" : " <- p50";
		else if (p99 >= low && p99 < high)
			mark = " <- p99";
		bar = max_count ? (int)((counts * width + max_count - 1) / max_count) : 0;
		fprintf(f, "  %8s .. %-8s %10llu |%s%-*.*s%s|%s\n", fmt_ns(lo, sizeof(lo), low),
			fmt_ns(hi, sizeof(hi), high), (unsigned long long)counts,
			term_color(o->color, TERM_YELLOW), width, bar,
			"########################################",
			term_color(o->color, TERM_RESET), mark);
	}
}

void report_lat_term(FILE *f, const struct lat_profile *p, const struct report_opts *o)
{
	int widths[NR_COLS], i, nr_cols = p->sched ? NR_COLS : C_ONCPU;
	char dur[32], title[200], c1[32], c2[32];
	struct cell *cells;
	char **shown;
	size_t r;

	cells = calloc(p->nr_funcs ? p->nr_funcs : 1, sizeof(*cells));
	shown = term_row_names(p->nr_funcs, func_row, p);
	if (!cells || !shown) {
		free(cells);
		short_names_free(shown, p->nr_funcs);
		return;
	}
	for (i = 0; i < NR_COLS; i++)
		widths[i] = term_width(col_titles[i]);
	for (r = 0; r < p->nr_funcs; r++) {
		fill_row(&cells[r], &p->funcs[r], shown[r], p);
		for (i = 0; i < NR_COLS; i++)
			if (term_width(cells[r].s[i]) > widths[i])
				widths[i] = term_width(cells[r].s[i]);
	}
	fprintf(f, "%s%s over %s", term_color(o->color, TERM_DIM),
		p->final ? "final report" : "interval",
		fmt_ns(dur, sizeof(dur), (double)p->duration_ns));
	if (p->corrected)
		fprintf(f, "; probe cost subtracted: %s per call (%s at single-stepped sites), "
			   "±ERR its spread",
			fmt_ns(c1, sizeof(c1), (double)p->calib_window_ns[0]),
			fmt_ns(c2, sizeof(c2), (double)p->calib_window_ns[1]));
	else
		fputs("; raw: the probes' own cost is included", f);
	fprintf(f, "%s\n", term_color(o->color, TERM_RESET));
	fputs(term_color(o->color, TERM_BOLD), f);
	for (i = 0; i < nr_cols; i++)
		if (i != C_ERR || p->corrected)
			print_cell(f, i, widths[i], col_titles[i]);
	fprintf(f, "%s\n", term_color(o->color, TERM_RESET));
	for (r = 0; r < p->nr_funcs; r++) {
		for (i = 0; i < nr_cols; i++)
			if (i != C_ERR || p->corrected)
				print_cell(f, i, widths[i], cells[r].s[i]);
		fputc('\n', f);
	}
	print_drops(f, p, o);
	report_lat_offcpu_term(f, p, shown, o);
	for (r = 0; o->hist && r < p->nr_funcs; r++) {
		const struct func_result *fr = &p->funcs[r];

		snprintf(title, sizeof(title), "%s: wall time per call", cells[r].s[C_NAME]);
		print_hist(f, fr->hist, fr->min_ns, fr->max_ns, title, o);
		if (!p->sched || !(fr->runq_ns + fr->blocked_ns))
			continue;
		snprintf(title, sizeof(title), "%s: off-CPU time per call (run-queue + blocked)",
			 cells[r].s[C_NAME]);
		print_hist(f, fr->offcpu_hist, 0, 0, title, o);
	}
	fflush(f);
	free(cells);
	short_names_free(shown, p->nr_funcs);
}
