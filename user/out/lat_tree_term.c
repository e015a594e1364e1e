// SPDX-License-Identifier: GPL-2.0
/*
 * One row per call path, each below its caller and indented under it, a
 * caller's callees by total time: a bar of the path's share of the root's
 * total (every outermost path's), its calls, total and self time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/safe_text.h"
#include "core/util.h"
#include "out/lat_tree_term.h"
#include "out/term.h"

#define BAR_WIDTH 40
/* Deeper paths are indented no further, so that a 64-deep recursion through
 * two functions still fits a line; their depth is then written out. */
#define MAX_INDENT 32

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

void lat_tree_node_label(char *buf, size_t len, const struct lat_profile *p,
			 const struct lat_tree_node *n)
{
	if (p->main_object && n->object && strcmp(n->object, p->main_object))
		snprintf(buf, len, "%s:%s", base_name(n->object), n->name);
	else
		snprintf(buf, len, "%s", n->name);
}

struct tree_row {
	char calls[32], total[32], self[32];
};

int report_lat_tree_term(FILE *f, const struct lat_profile *p, const struct report_opts *o)
{
	const struct lat_tree *t = p->tree;
	int wc = term_width("CALLS"), wt = term_width("TOTAL"), ws = term_width("SELF");
	struct tree_row *rows;
	char label[512], shown[1024], root[32];
	__u64 root_ns;
	size_t *order, r;
	long nr;

	if (!t)
		return 0;
	nr = lat_tree_order(t, &order);
	if (nr < 0)
		return (int)nr;
	rows = calloc((size_t)nr + 1, sizeof(*rows));
	if (!rows) {
		free(order);
		return -ENOMEM;
	}
	root_ns = lat_tree_root_ns(t);
	for (r = 0; r < (size_t)nr; r++) {
		const struct lat_tree_node *n = &t->v[order[r]];

		fmt_count(rows[r].calls, sizeof(rows[r].calls), (double)n->calls);
		fmt_ns(rows[r].total, sizeof(rows[r].total), (double)n->total_ns);
		fmt_ns(rows[r].self, sizeof(rows[r].self), (double)n->self_ns);
		if (term_width(rows[r].calls) > wc)
			wc = term_width(rows[r].calls);
		if (term_width(rows[r].total) > wt)
			wt = term_width(rows[r].total);
		if (term_width(rows[r].self) > ws)
			ws = term_width(rows[r].self);
	}
	fprintf(f,
		"\n%scall paths: %zu; bars: shares of all traced time, %s, which the self "
		"times add up to; f calling f is one path%s\n",
		term_color(o->color, TERM_DIM), (size_t)nr,
		fmt_ns(root, sizeof(root), (double)root_ns), term_color(o->color, TERM_RESET));
	fprintf(f, "%s%-6s %-*s %*s %*s %*s  %s%s\n", term_color(o->color, TERM_BOLD), "SHARE",
		BAR_WIDTH + 2, "", wc, "CALLS", wt, "TOTAL", ws, "SELF", "PATH",
		term_color(o->color, TERM_RESET));
	for (r = 0; r < (size_t)nr; r++) {
		const struct lat_tree_node *n = &t->v[order[r]];
		double share = root_ns ? (double)n->total_ns / (double)root_ns : 0;
		size_t depth = lat_tree_depth(t, order[r]);
		int bar = (int)(share * BAR_WIDTH + 0.5);

		if (bar > BAR_WIDTH)
			bar = BAR_WIDTH;
		lat_tree_node_label(label, sizeof(label), p, n);
		fprintf(f, "%5.1f%% |%s%-*.*s%s| %*s %*s %*s  %*s", 100.0 * share,
			term_color(o->color, TERM_YELLOW), BAR_WIDTH, bar,
			"########################################",
			term_color(o->color, TERM_RESET), wc, rows[r].calls, wt, rows[r].total, ws,
			rows[r].self, (int)(2 * (depth < MAX_INDENT ? depth - 1 : MAX_INDENT)), "");
		if (depth > MAX_INDENT)
			fprintf(f, "[%zu] ", depth);
		fprintf(f, "%s\n", safe_name(shown, sizeof(shown), label));
	}
	free(rows);
	free(order);
	fflush(f);
	return ferror(f) ? -EIO : 0;
}
