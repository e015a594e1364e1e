// SPDX-License-Identifier: GPL-2.0
/*
 * Each traced function's off-CPU stacks, as shares of its wall time, the
 * frames by function name (the offsets of one function's call sites
 * merged), innermost first down to the traced function and a few callers:
 *
 *   db_query: off the CPU 98.1% of its 2.41s (blocked 97.9%, run queue 0.2%)
 *      87.0% blocked   0.1% runq   2.10s  read < pq_recv < db_query < handle < main
 */
#include <stdlib.h>
#include <string.h>
#include "core/safe_text.h"
#include "core/util.h"
#include "mem/mem_profile.h"
#include "out/lat_offcpu_term.h"
#include "out/term.h"

/* Callers shown past the traced function's frame. */
#define CALLERS_SHOWN 3

/* One stack as shown: its frames' names joined (" < "), merged on that. */
struct shown_stack {
	char *text;
	__u64 blocked_ns, runq_ns;
};

static char *stack_text(const struct lat_offcpu_stack *s)
{
	size_t i, len = 0, cap = 256, past = 0;
	bool seen = false;
	char fn[256], *buf = malloc(cap), *nb;

	for (i = 0; buf && i < s->nr; i++) {
		const char *name = mem_frame_function(s->frames[i], fn, sizeof(fn));
		/* Outside the process's files (the vDSO, JIT code): the address alone,
		 * which would split one place into many rows. */
		if (!strncmp(name, "0x", 2))
			name = "?";
		bool more = seen && ++past > CALLERS_SHOWN;
		size_t need = len + strlen(name) + 8;

		if (need > cap && (nb = realloc(buf, cap = need * 2)))
			buf = nb;
		else if (need > cap) {
			free(buf);
			return NULL;
		}
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? " < " : "",
					more ? "..." : name);
		if (more)
			break;
		seen = seen || !strcmp(name, s->name);
	}
	if (buf && !len)
		buf[0] = 0;
	return buf;
}

static int by_offcpu(const void *a, const void *b)
{
	const struct shown_stack *x = a, *y = b;
	__u64 wx = x->blocked_ns + x->runq_ns, wy = y->blocked_ns + y->runq_ns;

	if (wx != wy)
		return wx > wy ? -1 : 1;
	return strcmp(x->text, y->text);
}

/* Function f's stacks (p's, which are sorted by function), merged as shown; *nr of them. */
static struct shown_stack *stacks_of(const struct lat_profile *p, const struct func_result *f,
				     size_t *nr)
{
	struct shown_stack *v = calloc(p->nr_offcpu_stacks + 1, sizeof(*v));
	size_t i, j, n = 0;

	for (i = 0; v && i < p->nr_offcpu_stacks; i++) {
		const struct lat_offcpu_stack *s = &p->offcpu_stacks[i];
		char *text;

		if (strcmp(s->object, f->object) || strcmp(s->name, f->name))
			continue;
		if (!(text = stack_text(s)))
			continue;
		for (j = 0; j < n && strcmp(v[j].text, text); j++)
			;
		if (j == n)
			v[n++].text = text;
		else
			free(text);
		v[j].blocked_ns += s->blocked_ns;
		v[j].runq_ns += s->runq_ns;
	}
	if (v)
		qsort(v, n, sizeof(*v), by_offcpu);
	*nr = n;
	return v;
}

static double pct(__u64 part, __u64 whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

static void print_function(FILE *f, const struct func_result *fr, const char *shown,
			   const struct shown_stack *v, size_t nr, const struct report_opts *o)
{
	__u64 wall = fr->total_ns, rest_b = 0, rest_r = 0;
	char t1[32], t2[32];
	size_t i;

	fputs(term_color(o->color, TERM_BOLD), f);
	safe_fputs(shown, f);
	fprintf(f, "%s: off the CPU %.1f%% of its %s (blocked %.1f%%, run queue %.1f%%)\n",
		term_color(o->color, TERM_RESET), pct(fr->runq_ns + fr->blocked_ns, wall),
		fmt_ns(t1, sizeof(t1), (double)wall), pct(fr->blocked_ns, wall),
		pct(fr->runq_ns, wall));
	for (i = 0; i < nr; i++) {
		if (i >= LAT_OFFCPU_TERM_TOP) {
			rest_b += v[i].blocked_ns;
			rest_r += v[i].runq_ns;
			continue;
		}
		fprintf(f, "  %6.1f%% blocked %6.1f%% runq %8s  ", pct(v[i].blocked_ns, wall),
			pct(v[i].runq_ns, wall),
			fmt_ns(t2, sizeof(t2), (double)(v[i].blocked_ns + v[i].runq_ns)));
		safe_fputs(v[i].text, f);
		fputc('\n', f);
	}
	if (nr > LAT_OFFCPU_TERM_TOP)
		fprintf(f, "  %6.1f%% blocked %6.1f%% runq %8s  (%zu more stacks)\n",
			pct(rest_b, wall), pct(rest_r, wall),
			fmt_ns(t2, sizeof(t2), (double)(rest_b + rest_r)),
			nr - LAT_OFFCPU_TERM_TOP);
}

void report_lat_offcpu_term(FILE *f, const struct lat_profile *p, char *const *shown,
			    const struct report_opts *o)
{
	size_t r, i, nr;
	bool header = false;

	if (!p->offcpu || !p->final)
		return;
	for (r = 0; r < p->nr_funcs; r++) {
		struct shown_stack *v = stacks_of(p, &p->funcs[r], &nr);

		if (v && nr) {
			if (!header)
				fprintf(f,
					"%soff-CPU stacks, as shares of each function's wall time "
					"(each span charged to the innermost traced call):%s\n",
					term_color(o->color, TERM_DIM),
					term_color(o->color, TERM_RESET));
			header = true;
			print_function(f, &p->funcs[r], shown[r], v, nr, o);
		}
		for (i = 0; v && i < nr; i++)
			free(v[i].text);
		free(v);
	}
	if (p->nr_offcpu_stacks == 0)
		fprintf(f, "%soff-CPU stacks: no traced call left the CPU%s\n",
			term_color(o->color, TERM_DIM), term_color(o->color, TERM_RESET));
}
