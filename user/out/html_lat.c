// SPDX-License-Identifier: GPL-2.0
/* The HTML page of a latency profile: the terminal's table (user/out/lat_term.c),
 * where each function's time went as stacked bars, and each one's histogram. */
#include <string.h>
#include "core/hist.h"
#include "core/util.h"
#include "out/html.h"
#include "lat/lat_profile.h"

enum col {
	C_CALLS,
	C_RATE,
	C_P50,
	C_P90,
	C_P99,
	C_P999,
	C_ERR,
	C_MAX,
	C_MEAN,
	C_TOTAL,
	C_SELF,
	C_ONCPU,
	C_RUNQ,
	C_BLOCKED,
	NR_COLS
};

static const char *const col_titles[NR_COLS] = {
    "calls", "calls/s", "p50",	 "p90",	 "p99",	   "p99.9",	"±err",
    "max",   "mean",	"total", "self", "on-CPU", "run-queue", "blocked",
};

static const double quantiles[] = {0.50, 0.90, 0.99, 0.999};

/* A glob over a library can match thousands: a page of that many charts helps nobody. */
#define LAT_MAX_HISTS 100

static bool col_shown(const struct lat_profile *p, int col)
{
	if (col == C_ERR)
		return p->corrected;
	return col < C_ONCPU || p->sched;
}

static void td_ns(FILE *f, double ns)
{
	char t[32];

	html_td_num(f, ns, fmt_ns(t, sizeof(t), ns));
}

static void td_share(FILE *f, const struct func_result *fr, __u64 part)
{
	double pct = fr->total_ns ? 100.0 * (double)part / (double)fr->total_ns : 0;
	char t[32];

	if (fr->no_split) {
		html_td_num(f, -1, "-");
		return;
	}
	snprintf(t, sizeof(t), "%.1f%%", pct);
	html_td_num(f, pct, t);
}

static void summary_row(FILE *f, const struct lat_profile *p, const struct func_result *fr)
{
	double secs = p->duration_ns ? p->duration_ns / 1e9 : 0, rate;
	char t[48];
	int i;

	fputs("<tr><td class=\"name\" title=\"", f);
	html_puts(f, fr->object);
	fputs("\">", f);
	html_func_name(f, fr->object, fr->name, p->main_object);
	fputs("</td>", f);
	html_td_num(f, (double)fr->calls, fmt_count(t, sizeof(t), (double)fr->calls));
	rate = secs > 0 ? fr->calls / secs : 0;
	html_td_num(f, rate, fmt_count(t, sizeof(t), rate));
	if (!fr->calls) {
		for (i = C_P50; i < NR_COLS; i++)
			if (col_shown(p, i))
				html_td_num(f, -1, "-");
		fputs("</tr>\n", f);
		return;
	}
	for (i = 0; i < 4; i++)
		td_ns(f, hist_quantile(fr->hist, fr->min_ns, fr->max_ns, quantiles[i]));
	if (p->corrected) {
		snprintf(t, sizeof(t), "±");
		fmt_ns(t + strlen(t), sizeof(t) - strlen(t), (double)fr->error_ns);
		html_td_num(f, (double)fr->error_ns, t);
	}
	td_ns(f, (double)fr->max_ns);
	td_ns(f, (double)fr->total_ns / fr->calls);
	td_ns(f, (double)fr->total_ns);
	td_ns(f, (double)fr->self_ns);
	if (p->sched) {
		td_share(f, fr, fr->oncpu_ns);
		td_share(f, fr, fr->runq_ns);
		td_share(f, fr, fr->blocked_ns);
	}
	fputs("</tr>\n", f);
}

static void summary(FILE *f, const struct lat_profile *p)
{
	char dur[32], c1[32], c2[32];
	size_t r;
	int i;

	fprintf(f, "<section id=\"summary\">\n<h2>Summary</h2>\n<p class=\"note\">%s over %s; ",
		p->final ? "final report" : "interval",
		fmt_ns(dur, sizeof(dur), (double)p->duration_ns));
	if (p->corrected)
		fprintf(f,
			"probe cost subtracted: %s per call (%s at single-stepped sites), "
			"±err its spread",
			fmt_ns(c1, sizeof(c1), (double)p->calib_window_ns[0]),
			fmt_ns(c2, sizeof(c2), (double)p->calib_window_ns[1]));
	else
		fputs("raw: the probes' own cost is included", f);
	fputs("</p>\n<table class=\"sortable\" id=\"functions\">\n<thead><tr><th>function</th>", f);
	for (i = 0; i < NR_COLS; i++)
		if (col_shown(p, i))
			fprintf(f, "<th class=\"n\">%s</th>", col_titles[i]);
	fputs("</tr></thead>\n<tbody>\n", f);
	for (r = 0; r < p->nr_funcs; r++)
		summary_row(f, p, &p->funcs[r]);
	fputs("</tbody>\n</table>\n", f);
	if (lat_profile_drops(p)) {
		fputs("<p class=\"note\">dropped:", f);
		for (i = 0; i < SONDE_DROP__COUNT; i++)
			if (p->drops[i])
				fprintf(f, " %s=%llu", drop_name(i),
					(unsigned long long)p->drops[i]);
		fputs("</p>\n", f);
	}
	fputs("</section>\n", f);
}

static void split_bar(FILE *f, const struct lat_profile *p, const struct func_result *fr)
{
	static const char *const cls[] = {"oncpu", "runq", "blocked"};
	const __u64 part[] = {fr->oncpu_ns, fr->runq_ns, fr->blocked_ns};
	double pct[3];
	int i;

	fputs("<div class=\"name\">", f);
	html_func_name(f, fr->object, fr->name, p->main_object);
	fputs("</div><div class=\"sbar\">", f);
	for (i = 0; i < 3; i++) {
		pct[i] = fr->total_ns ? 100.0 * (double)part[i] / (double)fr->total_ns : 0;
		if (pct[i] > 0)
			fprintf(f,
				"<span class=\"%s\" style=\"width:%.2f%%\" title=\"%s %.1f%%\">"
				"</span>",
				cls[i], pct[i], cls[i], pct[i]);
	}
	fprintf(f, "</div><div class=\"n\">%.0f%% / %.0f%% / %.0f%%</div>\n", pct[0], pct[1],
		pct[2]);
}

/* The scheduler split as one stacked bar per function: shares of its wall time. */
static void split(FILE *f, const struct lat_profile *p)
{
	size_t r;

	if (!p->sched)
		return;
	fputs("<section id=\"split\">\n<h2>Where the wall time went</h2>\n"
	      "<p class=\"legend note\">share of each function's wall time:"
	      "<span class=\"key oncpu\"></span>on CPU<span class=\"key runq\"></span>"
	      "waiting for a CPU (run queue)<span class=\"key blocked\"></span>blocked</p>\n"
	      "<div class=\"split\">\n",
	      f);
	for (r = 0; r < p->nr_funcs; r++)
		if (p->funcs[r].calls && !p->funcs[r].no_split)
			split_bar(f, p, &p->funcs[r]);
	fputs("</div>\n</section>\n", f);
}

static void one_hist(FILE *f, const __u64 *hist, __u64 min_ns, __u64 max_ns, const char *what)
{
	struct html_hist_scale s;
	const struct html_hist h = {
	    .hist = hist, .min_ns = min_ns, .max_ns = max_ns, .label = what};
	char a[32], b[32], c[32];

	if (html_hist_scale(&s, &hist, 1))
		return;
	html_hist_svg(f, &h, &s);
	fprintf(f, "<div class=\"cap\">%s: p50 %s, p90 %s, p99 %s</div>\n", what,
		fmt_ns(a, sizeof(a), hist_quantile(hist, min_ns, max_ns, 0.50)),
		fmt_ns(b, sizeof(b), hist_quantile(hist, min_ns, max_ns, 0.90)),
		fmt_ns(c, sizeof(c), hist_quantile(hist, min_ns, max_ns, 0.99)));
}

static void histograms(FILE *f, const struct lat_profile *p)
{
	size_t r, shown = 0;

	fputs("<section id=\"histograms\">\n<h2>Histograms</h2>\n", f);
	if (p->nr_funcs > LAT_MAX_HISTS)
		fprintf(f,
			"<p class=\"note\">histograms of the first %d functions called, in the "
			"table's order</p>\n",
			LAT_MAX_HISTS);
	fputs("<div class=\"grid\">\n", f);
	for (r = 0; r < p->nr_funcs && shown < LAT_MAX_HISTS; r++) {
		const struct func_result *fr = &p->funcs[r];

		if (!fr->calls)
			continue;
		shown++;
		fputs("<figure class=\"func\"><h3>", f);
		html_func_name(f, fr->object, fr->name, p->main_object);
		fputs("</h3>\n", f);
		one_hist(f, fr->hist, fr->min_ns, fr->max_ns, "wall time per call");
		if (p->sched && !fr->no_split && fr->runq_ns + fr->blocked_ns)
			one_hist(f, fr->offcpu_hist, 0, 0, "off-CPU time per call");
		fputs("</figure>\n", f);
	}
	fputs("</div>\n</section>\n", f);
}

void html_lat_body(FILE *f, const struct sonde_profile *sp)
{
	const struct lat_profile *p = sp->lat;

	summary(f, p);
	split(f, p);
	histograms(f, p);
}
