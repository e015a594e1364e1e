// SPDX-License-Identifier: GPL-2.0
/* The HTML page of a memory profile: the summary, the stacks ranked by growth
 * (as sonde mem's table, user/out/mem_term.c), and each top stack's live bytes
 * over the run as a chart. */
#include <stdlib.h>
#include "core/util.h"
#include "mem/mem_profile.h"
#include "out/html.h"

/* Stacks in the table when the profile does not say (--top), and charts at most. */
#define MEM_TABLE_DEFAULT 20
#define MEM_CHARTS	  12
#define STACK_COL_FRAMES  3

static double per_s(__u64 n, __u64 ns)
{
	return ns ? n / (ns / 1e9) : 0;
}

/* "a < b < c": its innermost functions, escaped. */
static void stack_line(FILE *f, const struct mem_stack *s, size_t max)
{
	char fn[256];
	size_t i;

	if (sonde_mem_stack_lost(s->id) || !s->nr_frames) {
		fputs(sonde_mem_stack_lost(s->id) ? "[stack lost]" : "[no frames]", f);
		return;
	}
	for (i = 0; i < s->nr_frames && i < max; i++) {
		fputs(i ? " &lt; " : "", f);
		html_puts(f, mem_frame_function(s->frames[i], fn, sizeof(fn)));
	}
	if (i < s->nr_frames)
		fputs(" &lt; ...", f);
	if (s->mmap)
		fputs(" [mmap]", f);
}

static void summary(FILE *f, const struct mem_profile *p)
{
	char a[32], b[32], c[32], d[32], e[32];

	fprintf(f, "<section id=\"summary\">\n<h2>Summary</h2>\n<dl class=\"meta\">");
	if (p->final)
		fprintf(f, "<dt>final report</dt><dd>after %s of tracing</dd>",
			fmt_ns(a, sizeof(a), (double)p->duration_ns));
	else
		fprintf(f, "<dt>interval</dt><dd>%s, at %s</dd>",
			fmt_ns(a, sizeof(a), (double)p->interval_ns),
			fmt_ns(b, sizeof(b), (double)p->duration_ns));
	fprintf(f, "<dt>RSS</dt><dd>%s (peak %s)</dd>",
		mem_fmt_bytes(a, sizeof(a), (double)p->rss_bytes),
		mem_fmt_bytes(b, sizeof(b), (double)p->rss_peak_bytes));
	fprintf(f, "<dt>heap</dt><dd>%s live in %s blocks; anonymous mmap %s; brk %s</dd>",
		mem_fmt_bytes(a, sizeof(a), (double)mem_profile_live_bytes(p, false)),
		fmt_count(b, sizeof(b), (double)mem_profile_live_allocs(p, false)),
		mem_fmt_bytes(c, sizeof(c), (double)mem_profile_live_bytes(p, true)),
		mem_fmt_bytes(d, sizeof(d), (double)p->brk_bytes));
	/* A final report's last window can be a few milliseconds: its rates are the run's. */
	fprintf(f,
		"<dt>rate</dt><dd>%s allocs/s, %s frees/s; since the start %s allocs, "
		"%s frees</dd>",
		fmt_count(a, sizeof(a),
			  p->final ? per_s(p->counts[SONDE_MC_ALLOCS], p->duration_ns)
				   : per_s(p->interval_counts[SONDE_MC_ALLOCS], p->interval_ns)),
		fmt_count(b, sizeof(b),
			  p->final ? per_s(p->counts[SONDE_MC_FREES], p->duration_ns)
				   : per_s(p->interval_counts[SONDE_MC_FREES], p->interval_ns)),
		fmt_count(c, sizeof(c), (double)p->counts[SONDE_MC_ALLOCS]),
		fmt_count(e, sizeof(e), (double)p->counts[SONDE_MC_FREES]));
	if (p->allocator[0]) {
		fputs("<dt>allocator</dt><dd>", f);
		html_puts(f, p->allocator);
		fputs(" ", f);
		html_puts(f, p->allocator_path);
		fputs("</dd>", f);
	}
	fputs("</dl>\n", f);
	if (mem_profile_lower_bound(p))
		fputs("<p class=\"note\">live numbers are lower bounds: some allocations were not "
		      "tracked (--max-allocs full, or threads without state)</p>\n",
		      f);
	if (p->unseen[0]) {
		fputs("<p class=\"note\">", f);
		html_puts(f, p->unseen);
		fputs("</p>\n", f);
	}
	fputs("</section>\n", f);
}

static void stack_row(FILE *f, const struct mem_profile *p, const struct mem_stack *s)
{
	char t[48], b[32];

	snprintf(t, sizeof(t), "%s%s/s", s->growth_bytes_per_s > 0 ? "+" : "",
		 mem_fmt_bytes(b, sizeof(b), s->growth_bytes_per_s));
	fprintf(f, "<tr%s>", mem_stack_is_suspect(p, s) ? " class=\"regression\"" : "");
	html_td_num(f, s->growth_bytes_per_s, t);
	html_td_num(f, (double)s->live_bytes, mem_fmt_bytes(t, sizeof(t), (double)s->live_bytes));
	html_td_num(f, (double)s->live_allocs, fmt_count(t, sizeof(t), (double)s->live_allocs));
	html_td_num(f, (double)s->allocs, fmt_count(t, sizeof(t), (double)s->allocs));
	html_td_num(f, (double)s->frees, fmt_count(t, sizeof(t), (double)s->frees));
	fprintf(f, "<td>%s</td><td class=\"name\">",
		mem_stack_is_suspect(p, s) ? (s->freed_at_end ? "freed at end" : "leak suspect")
					   : "");
	if (s->nr_frames > STACK_COL_FRAMES) {
		fputs("<details><summary>", f);
		stack_line(f, s, STACK_COL_FRAMES);
		fputs("</summary>", f);
		html_list(f, "ol", " class=\"frames\"", (const char *const *)s->frames,
			  s->nr_frames);
		fputs("</details>", f);
	} else {
		stack_line(f, s, STACK_COL_FRAMES);
	}
	fputs("</td></tr>\n", f);
}

static void stack_table(FILE *f, const struct mem_profile *p, const size_t *order, size_t n)
{
	size_t r;

	fputs("<section id=\"stacks\">\n<h2>Allocation stacks</h2>\n"
	      "<p class=\"note\">ranked by growth of live bytes (least squares over the run), "
	      "innermost frame first</p>\n"
	      "<table class=\"sortable\" id=\"stack-table\">\n<thead><tr>"
	      "<th class=\"n\">growth/s</th><th class=\"n\">live</th><th class=\"n\">blocks</th>"
	      "<th class=\"n\">allocs</th><th class=\"n\">frees</th><th>judged</th>"
	      "<th>stack</th></tr></thead>\n<tbody>\n",
	      f);
	for (r = 0; r < n; r++)
		stack_row(f, p, &p->stacks[order[r]]);
	fputs("</tbody>\n</table>\n</section>\n", f);
}

/* Each top stack's live bytes at the sample times, from the start. */
static void charts(FILE *f, const struct mem_profile *p, const size_t *order, size_t n)
{
	double *x = p->nr_samples >= 2 ? calloc(p->nr_samples, sizeof(*x)) : NULL;
	char a[32], b[32], end[32];
	size_t r;

	if (!x)
		return;
	for (r = 0; r < p->nr_samples; r++)
		x[r] = (double)p->sample_ns[r];
	fmt_ns(end, sizeof(end), x[p->nr_samples - 1]);
	fputs("<section id=\"growth\">\n<h2>Live bytes over the run</h2>\n<div class=\"grid\">\n",
	      f);
	for (r = 0; r < n && r < MEM_CHARTS; r++) {
		const struct mem_stack *s = &p->stacks[order[r]];

		if (!s->series)
			continue;
		fputs("<figure class=\"series\"><h3>", f);
		stack_line(f, s, STACK_COL_FRAMES);
		fputs("</h3>\n", f);
		html_line_svg(f, &(struct html_line){.x = x,
						     .y = s->series,
						     .n = p->nr_samples,
						     .fmt_y = mem_fmt_bytes,
						     .x_first = "0s",
						     .x_last = end});
		fprintf(f, "<div class=\"cap\">growth %s%s/s (r² %.2f), %s live now</div>\n",
			s->growth_bytes_per_s > 0 ? "+" : "",
			mem_fmt_bytes(a, sizeof(a), s->growth_bytes_per_s), s->growth_r2,
			mem_fmt_bytes(b, sizeof(b), (double)s->live_bytes));
		fputs("</figure>\n", f);
	}
	fputs("</div>\n</section>\n", f);
	free(x);
}

void html_mem_body(FILE *f, const struct sonde_profile *sp)
{
	const struct mem_profile *p = sp->mem;
	size_t *order = calloc(p->nr_stacks ? p->nr_stacks : 1, sizeof(*order));
	size_t n, top = sp->mem_top ? sp->mem_top : MEM_TABLE_DEFAULT;

	summary(f, p);
	if (!order) {
		fputs("<p class=\"note\">out of memory: no stacks shown</p>\n", f);
		return;
	}
	n = mem_profile_rank(p, order, top);
	stack_table(f, p, order, n);
	charts(f, p, order, n);
	free(order);
}
