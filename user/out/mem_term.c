// SPDX-License-Identifier: GPL-2.0
/* sonde mem's reports: a summary, the top stacks by growth with a sparkline of
 * their live bytes, then (final report) leak suspects and old allocations. */
#include <stdlib.h>
#include <string.h>
#include "out/mem_term.h"
#include "out/term.h"
#include "core/safe_text.h"
#include "core/util.h"

#define SPARK_WIDTH	 16
#define STACK_COL_FRAMES 3

static const char *const count_names[SONDE_MC__COUNT] = {
    [SONDE_MC_ALLOCS] = "allocs",	[SONDE_MC_FREES] = "frees",
    [SONDE_MC_FREE_NULL] = "free_null", [SONDE_MC_FREE_UNTRACKED] = "free_untracked",
    [SONDE_MC_FAILED] = "failed",	[SONDE_MC_MMAPS] = "mmaps",
    [SONDE_MC_MUNMAPS] = "munmaps",	[SONDE_MC_MUNMAP_UNTRACKED] = "munmap_untracked",
    [SONDE_MC_MREMAPS] = "mremaps",	[SONDE_MC_ALLOCATOR_MMAPS] = "allocator_syscalls",
    [SONDE_MC_BRKS] = "brks",
};

static const char *const drop_names[SONDE_MD__COUNT] = {
    [SONDE_MD_ALLOCS_FULL] = "allocs_full",
    [SONDE_MD_STACKS_FULL] = "stacks_full",
    [SONDE_MD_STALE] = "stale",
    [SONDE_MD_STACK] = "stack",
    [SONDE_MD_NO_STORAGE] = "no_storage",
    [SONDE_MD_ORPHAN_RETURN] = "orphan_return",
    [SONDE_MD_MISSED_RETURN] = "missed_return",
    [SONDE_MD_RINGBUF] = "ringbuf",
};

const char *mem_count_name(enum sonde_mem_count c)
{
	return c < SONDE_MC__COUNT ? count_names[c] : "?";
}

const char *mem_drop_name(enum sonde_mem_drop d)
{
	return d < SONDE_MD__COUNT ? drop_names[d] : "?";
}

static double per_s(__u64 n, __u64 ns)
{
	return ns ? n / (ns / 1e9) : 0;
}

/* "a < b < c": the innermost frames, function names only. */
static const char *stack_line(const struct mem_stack *s, size_t max, char *buf, size_t len)
{
	char fn[256], shown[256];
	size_t i, used = 0;

	buf[0] = '\0';
	if (sonde_mem_stack_lost(s->id) || !s->nr_frames) {
		snprintf(buf, len, "%s",
			 sonde_mem_stack_lost(s->id) ? "[stack lost]" : "[no frames]");
		return buf;
	}
	for (i = 0; i < s->nr_frames && i < max && used < len; i++)
		used +=
		    (size_t)snprintf(buf + used, len - used, "%s%s", i ? " < " : "",
				     safe_name(shown, sizeof(shown),
					       mem_frame_function(s->frames[i], fn, sizeof(fn))));
	if (i < s->nr_frames && used < len)
		snprintf(buf + used, len - used, " < ...");
	return buf;
}

static void print_summary(FILE *f, const struct mem_profile *p, const struct mem_report_opts *o)
{
	char a[32], b[32], c[32], d[32], e[32], g[32];
	__u64 win = p->interval_ns;

	fprintf(f, "%s%s over %s%s", term_color(o->color, TERM_BOLD),
		p->final ? "final report" : "interval", fmt_ns(a, sizeof(a), (double)win),
		term_color(o->color, TERM_RESET));
	if (!p->final)
		fprintf(f, " (at %s)", fmt_ns(a, sizeof(a), (double)p->duration_ns));
	fprintf(f, ": RSS %s (peak %s), heap %s live in %s blocks, anon mmap %s, brk %s\n",
		mem_fmt_bytes(b, sizeof(b), (double)p->rss_bytes),
		mem_fmt_bytes(c, sizeof(c), (double)p->rss_peak_bytes),
		mem_fmt_bytes(d, sizeof(d), (double)mem_profile_live_bytes(p, false)),
		fmt_count(e, sizeof(e), (double)mem_profile_live_allocs(p, false)),
		mem_fmt_bytes(g, sizeof(g), (double)mem_profile_live_bytes(p, true)),
		mem_fmt_bytes(a, sizeof(a), (double)p->brk_bytes));
	fprintf(f, "allocs %s/s, frees %s/s",
		fmt_count(a, sizeof(a), per_s(p->interval_counts[SONDE_MC_ALLOCS], win)),
		fmt_count(b, sizeof(b), per_s(p->interval_counts[SONDE_MC_FREES], win)));
	fprintf(f,
		"; since the start: %s allocs, %s frees (%s of memory from before tracing), "
		"%s free(NULL)\n",
		fmt_count(a, sizeof(a), (double)p->counts[SONDE_MC_ALLOCS]),
		fmt_count(b, sizeof(b), (double)p->counts[SONDE_MC_FREES]),
		fmt_count(c, sizeof(c), (double)p->counts[SONDE_MC_FREE_UNTRACKED]),
		fmt_count(d, sizeof(d), (double)p->counts[SONDE_MC_FREE_NULL]));
}

enum col { C_GROWTH, C_LIVE, C_BLOCKS, C_ALLOCS, C_FREES, C_TREND, C_STACK, NR_COLS };

static const char *const col_titles[NR_COLS] = {"GROWTH/S", "LIVE",  "BLOCKS", "ALLOCS",
						"FREES",    "TREND", "STACK"};

struct row {
	char s[NR_COLS][512];
};

static void fill_row(struct row *r, const struct mem_profile *p, const struct mem_stack *s)
{
	char b[32];

	snprintf(r->s[C_GROWTH], sizeof(r->s[0]), "%s%s/s", s->growth_bytes_per_s > 0 ? "+" : "",
		 mem_fmt_bytes(b, sizeof(b), s->growth_bytes_per_s));
	mem_fmt_bytes(r->s[C_LIVE], sizeof(r->s[0]), (double)s->live_bytes);
	fmt_count(r->s[C_BLOCKS], sizeof(r->s[0]), (double)s->live_allocs);
	fmt_count(r->s[C_ALLOCS], sizeof(r->s[0]), (double)s->allocs);
	fmt_count(r->s[C_FREES], sizeof(r->s[0]), (double)s->frees);
	mem_sparkline(s->series, p->nr_samples, SPARK_WIDTH, r->s[C_TREND], sizeof(r->s[0]));
	stack_line(s, STACK_COL_FRAMES, r->s[C_STACK], sizeof(r->s[0]));
	if (s->mmap) {
		size_t n = strlen(r->s[C_STACK]);

		snprintf(r->s[C_STACK] + n, sizeof(r->s[0]) - n, " [mmap]");
	}
}

/*
 * A row's cells (or the titles): numbers right-aligned, TREND left-aligned by
 * the columns it takes on screen (the sparkline's blocks are 3 bytes each,
 * one column), STACK last and unpadded.
 */
static void print_stack_cells(FILE *f, const char *const s[NR_COLS], const int *widths)
{
	int i;

	for (i = 0; i < NR_COLS; i++)
		term_cell(f, i, i == C_TREND || i == C_STACK ? TERM_LEFT : TERM_RIGHT,
			  i == C_STACK ? 0 : widths[i], s[i]);
}

static void print_stacks(FILE *f, const struct mem_profile *p, const size_t *order, size_t n,
			 const struct mem_report_opts *o)
{
	int widths[NR_COLS], i;
	struct row *rows;
	size_t r;

	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows)
		return;
	for (i = 0; i < NR_COLS; i++)
		widths[i] = term_width(col_titles[i]);
	for (r = 0; r < n; r++) {
		fill_row(&rows[r], p, &p->stacks[order[r]]);
		for (i = 0; i < NR_COLS; i++)
			if (term_width(rows[r].s[i]) > widths[i])
				widths[i] = term_width(rows[r].s[i]);
	}
	fputs(term_color(o->color, TERM_BOLD), f);
	print_stack_cells(f, col_titles, widths);
	fprintf(f, "%s\n", term_color(o->color, TERM_RESET));
	for (r = 0; r < n; r++) {
		const char *s[NR_COLS];

		for (i = 0; i < NR_COLS; i++)
			s[i] = rows[r].s[i];
		print_stack_cells(f, s, widths);
		fputc('\n', f);
	}
	free(rows);
}

static void print_full_stack(FILE *f, const struct mem_stack *s)
{
	size_t i;

	if (!s->nr_frames)
		fprintf(f, "      %s\n",
			sonde_mem_stack_lost(s->id) ? "[stack lost]" : "[no frames]");
	for (i = 0; i < s->nr_frames; i++) {
		fputs("      ", f);
		safe_fputs(s->frames[i], f);
		fputc('\n', f);
	}
	if (s->cut)
		fputs("      [cut: the next frame was not code]\n", f);
}

static void print_suspects(FILE *f, const struct mem_profile *p, const size_t *order, size_t n,
			   const struct mem_report_opts *o)
{
	char a[32], b[32], c[32], d[32];
	size_t r, shown = 0;

	for (r = 0; r < n; r++) {
		const struct mem_stack *s = &p->stacks[order[r]];

		if (!mem_stack_is_suspect(p, s))
			continue;
		if (!shown++)
			fprintf(f, "\n%sleak suspects%s (live bytes grew steadily):\n",
				term_color(o->color, TERM_YELLOW),
				term_color(o->color, TERM_RESET));
		if (s->freed_at_end)
			fprintf(f, "  %zu. +%s/s (r² %.2f) up to a peak of %s, freed at %s\n",
				shown, mem_fmt_bytes(a, sizeof(a), s->leak_bytes_per_s), s->leak_r2,
				mem_fmt_bytes(b, sizeof(b), s->peak_bytes),
				p->target_exited ? "exit" : "the end of the run");
		else
			fprintf(f, "  %zu. +%s/s (r² %.2f): %s live in %s blocks, oldest %s\n",
				shown, mem_fmt_bytes(a, sizeof(a), s->leak_bytes_per_s), s->leak_r2,
				mem_fmt_bytes(b, sizeof(b), (double)s->live_bytes),
				fmt_count(c, sizeof(c), (double)s->live_allocs),
				s->oldest_ns ? fmt_ns(d, sizeof(d), (double)s->oldest_ns) : "-");
		print_full_stack(f, s);
	}
	if (!shown && p->final)
		fprintf(f, "\nno leak suspects: no stack's live bytes grew steadily\n");
}

static void print_old(FILE *f, const struct mem_profile *p, const struct mem_report_opts *o)
{
	char a[32], b[32], c[32], line[512];
	size_t *order, n, r, shown = 0;

	if (!p->min_age_ns)
		return;
	order = calloc(p->nr_stacks ? p->nr_stacks : 1, sizeof(*order));
	if (!order)
		return;
	/* Ranked by growth; only the ones with old blocks print. */
	n = mem_profile_rank(p, order, p->nr_stacks);
	for (r = 0; r < n && shown < o->top; r++) {
		const struct mem_stack *s = &p->stacks[order[r]];

		if (!s->old_allocs)
			continue;
		if (!shown++)
			fprintf(f, "\nlive allocations older than %s, by stack:\n",
				fmt_ns(a, sizeof(a), (double)p->min_age_ns));
		fprintf(f, "  %s in %s blocks, oldest %s: %s\n",
			mem_fmt_bytes(a, sizeof(a), (double)s->old_bytes),
			fmt_count(b, sizeof(b), (double)s->old_allocs),
			fmt_ns(c, sizeof(c), (double)s->oldest_ns),
			stack_line(s, 6, line, sizeof(line)));
	}
	if (!shown)
		fprintf(f, "\nno live allocation is older than %s\n",
			fmt_ns(a, sizeof(a), (double)p->min_age_ns));
	free(order);
}

static void print_notes(FILE *f, const struct mem_profile *p, const struct mem_report_opts *o)
{
	size_t shallow, with_allocs;
	char a[32], b[32];
	int i, n = 0;

	if (mem_profile_lower_bound(p))
		fprintf(f,
			"%snote: live numbers are lower bounds: %llu allocations not tracked "
			"(--max-allocs full), %llu threads without state%s\n",
			term_color(o->color, TERM_YELLOW),
			(unsigned long long)p->drops[SONDE_MD_ALLOCS_FULL],
			(unsigned long long)p->drops[SONDE_MD_NO_STORAGE],
			term_color(o->color, TERM_RESET));
	if (p->drops[SONDE_MD_STACKS_FULL])
		fprintf(f,
			"%snote: %llu allocations are counted under [stack lost]: the stack table "
			"was full (raise --max-stacks)%s\n",
			term_color(o->color, TERM_YELLOW),
			(unsigned long long)p->drops[SONDE_MD_STACKS_FULL],
			term_color(o->color, TERM_RESET));
	if (p->unseen[0]) {
		fprintf(f, "%snote: ", term_color(o->color, TERM_YELLOW));
		safe_fputs(p->unseen, f); /* names the target's path */
		fprintf(f, "%s\n", term_color(o->color, TERM_RESET));
	}
	if (p->exited_processes)
		fprintf(f,
			"note: %llu processes exited while traced: their %s left in %s blocks "
			"count as freed at their exit\n",
			(unsigned long long)p->exited_processes,
			mem_fmt_bytes(a, sizeof(a), (double)p->exited_bytes),
			fmt_count(b, sizeof(b), (double)p->exited_blocks));
	if (mem_profile_cut_stacks(p))
		fprintf(f,
			"note: %zu stacks cut at a frame outside code: built without frame "
			"pointers? (-fno-omit-frame-pointer gives whole stacks)\n",
			mem_profile_cut_stacks(p));
	shallow = mem_profile_shallow_stacks(p, &with_allocs);
	if (with_allocs && shallow * 2 > with_allocs)
		fprintf(f,
			"note: %zu of %zu stacks have at most 2 frames: the code lacks frame "
			"pointers (build with -fno-omit-frame-pointer for whole stacks)\n",
			shallow, with_allocs);
	for (i = 0; i < SONDE_MD__COUNT; i++) {
		if (!p->drops[i])
			continue;
		fprintf(f, "%s%s %s=%llu",
			n++	   ? ","
			: o->color ? TERM_DIM "dropped:"
				   : "dropped:",
			"", drop_names[i], (unsigned long long)p->drops[i]);
	}
	if (n)
		fprintf(f, "%s\n", term_color(o->color, TERM_RESET));
}

void mem_report_term(FILE *f, const struct mem_profile *p, const struct mem_report_opts *o)
{
	size_t *order, n;

	order = calloc(p->nr_stacks ? p->nr_stacks : 1, sizeof(*order));
	if (!order)
		return;
	n = mem_profile_rank(p, order, o->top);
	print_summary(f, p, o);
	if (p->final && p->allocator[0]) {
		fprintf(f, "allocator: %s (", p->allocator);
		safe_fputs(p->allocator_path, f);
		fputs(")\n", f);
	}
	if (n)
		print_stacks(f, p, order, n, o);
	else if (!p->allocator[0] && p->unseen[0])
		fprintf(f, "no allocations seen: no allocator is probed (see the note below)\n");
	else
		fprintf(f, "no allocations seen yet\n");
	if (p->final) {
		print_suspects(f, p, order, n, o);
		print_old(f, p, o);
	}
	print_notes(f, p, o);
	fflush(f);
	free(order);
}
