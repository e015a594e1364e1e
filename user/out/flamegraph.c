// SPDX-License-Identifier: GPL-2.0
/*
 * The flame graph: folded stacks merged into a call tree (a node per distinct
 * prefix), laid out outermost frame at the bottom, each node as wide as its
 * weight and its children above it in name order; then one <g> per node with
 * its <rect>, its name cut to the box (the script cuts it again on zoom) and
 * a <title> holding the name on its first line and the figures on the second.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/safe_text.h"
#include "core/util.h"
#include "mem/mem_profile.h"
#include "out/flamegraph.h"
#include "out/flamegraph_js.h"
#include "out/out_file.h"

#define FG_DEFAULT_WIDTH 1200
#define FG_MARGIN	 10  /* px left and right */
#define FG_ROW		 16  /* px per frame */
#define FG_HEAD		 44  /* px above the frames: title, buttons */
#define FG_FOOT		 28  /* px below: the hovered frame's figures, the search's share */
#define FG_CHAR		 7.2 /* px per character of 12px monospace (0.6 em) */
#define FG_NONE		 SIZE_MAX

struct fg_node {
	const char *name; /* the folded stack's frame */
	size_t depth, parent, first_child, last_child, next_sibling;
	__u64 offset, weight; /* in the unit: where it starts, and its width */
	size_t base;	      /* a diff: the same path in the base tree, or FG_NONE */
};

struct fg_tree {
	struct fg_node *v;
	size_t nr, cap, depth; /* depth: rows */
	size_t first_root, last_root;
	__u64 total;
};

static void tree_free(struct fg_tree *t)
{
	free(t->v);
	t->v = NULL;
	t->nr = t->cap = 0;
}

static int tree_push(struct fg_tree *t, const char *name, size_t depth, size_t parent, __u64 offset)
{
	struct fg_node *n;
	size_t *first, *last;

	if (t->nr == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct fg_node *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	n = &t->v[t->nr];
	*n = (struct fg_node){.name = name,
			      .depth = depth,
			      .parent = parent,
			      .first_child = FG_NONE,
			      .last_child = FG_NONE,
			      .next_sibling = FG_NONE,
			      .offset = offset,
			      .base = FG_NONE};
	/* Appended last among its siblings: they come in name order. */
	first = parent == FG_NONE ? &t->first_root : &t->v[parent].first_child;
	last = parent == FG_NONE ? &t->last_root : &t->v[parent].last_child;
	if (*last == FG_NONE)
		*first = t->nr;
	else
		t->v[*last].next_sibling = t->nr;
	*last = t->nr++;
	if (depth + 1 > t->depth)
		t->depth = depth + 1;
	return 0;
}

/*
 * In folded_order()'s order the stacks below any node come together, so each
 * stack opens nodes only past what it shares with the one before it, and a
 * node starts where the first of its stacks does.
 */
static int tree_build(const struct folded *f, struct fg_tree *t)
{
	size_t *order = folded_order(f), *path = NULL, plen = 0, max = 1, i, d;
	int err = -ENOMEM;

	*t = (struct fg_tree){.first_root = FG_NONE, .last_root = FG_NONE};
	for (i = 0; i < f->nr; i++)
		max = f->v[i].nr > max ? f->v[i].nr : max;
	path = calloc(max, sizeof(*path));
	if (!order || !path)
		goto cleanup;
	for (i = 0; i < f->nr; i++) {
		const struct folded_stack *s = &f->v[order[i]];

		for (d = 0; d < plen && d < s->nr && !strcmp(t->v[path[d]].name, s->frames[d]); d++)
			;
		for (plen = d; plen < s->nr; plen++) {
			if (tree_push(t, s->frames[plen], plen, plen ? path[plen - 1] : FG_NONE,
				      t->total))
				goto cleanup;
			path[plen] = t->nr - 1;
		}
		for (d = 0; d < s->nr; d++)
			t->v[path[d]].weight += s->weight;
		t->total += s->weight;
	}
	err = 0;
cleanup:
	free(order);
	free(path);
	if (err)
		tree_free(t);
	return err;
}

/* Each node's twin in the base tree: the same names from the outermost down. */
static void tree_match(struct fg_tree *t, const struct fg_tree *base)
{
	size_t i, b;

	for (i = 0; i < t->nr; i++) {
		struct fg_node *n = &t->v[i];

		if (n->parent == FG_NONE)
			b = base->first_root;
		else if (t->v[n->parent].base != FG_NONE)
			b = base->v[t->v[n->parent].base].first_child;
		else
			continue;
		for (; b != FG_NONE && strcmp(base->v[b].name, n->name);
		     b = base->v[b].next_sibling)
			;
		n->base = b;
	}
}

/* ---- text --------------------------------------------------------------- */

/* Names and titles come safe_text()-escaped (no control characters, valid
 * UTF-8); XML also wants its five entities, and refuses U+FFFE and U+FFFF. */
static void xml_text(FILE *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && s[i]; i++) {
		if (s[i] == '&')
			fputs("&amp;", out);
		else if (s[i] == '<')
			fputs("&lt;", out);
		else if (s[i] == '>')
			fputs("&gt;", out);
		else if (s[i] == '"')
			fputs("&quot;", out);
		else if (s[i] == '\'')
			fputs("&apos;", out);
		else if (!strncmp(s + i, "\xef\xbf\xbe", 3) || !strncmp(s + i, "\xef\xbf\xbf", 3))
			fprintf(out, "\\xef\\xbf\\x%02x", (unsigned char)s[i += 2]);
		else
			fputc(s[i], out);
	}
}

/* Bytes of the first `chars` UTF-8 characters of s (all of it when shorter). */
static size_t utf8_prefix(const char *s, size_t chars, size_t *count)
{
	size_t i = 0, n = 0;

	while (s[i] && n < chars) {
		i++;
		while ((s[i] & 0xc0) == 0x80)
			i++;
		n++;
	}
	if (count)
		*count = n + (s[i] ? 1 : 0); /* more than `chars` when 1 is added */
	return i;
}

/* The name as it fits `px`: whole, its start and "..", or nothing (as the script's fit()). */
static void fitted_name(FILE *out, const char *name, double px)
{
	double room = (px - 6) / FG_CHAR;
	size_t chars = room > 0 ? (size_t)room : 0, seen;

	utf8_prefix(name, chars, &seen);
	if (seen <= chars) {
		xml_text(out, name, SIZE_MAX);
	} else if (chars >= 3) {
		xml_text(out, name, utf8_prefix(name, chars - 2, NULL));
		fputs("..", out);
	}
}

/* A weight in its unit: "1.50MiB", "12.3ms", "7 calls". */
static const char *fmt_weight(char *buf, size_t len, double w, const char *unit)
{
	char num[32];
	const char *sign = w < 0 ? "-" : "";

	w = w < 0 ? -w : w;
	if (!strcmp(unit, "bytes"))
		snprintf(buf, len, "%s%s", sign, mem_fmt_bytes(num, sizeof(num), w));
	else if (!strcmp(unit, "ns"))
		snprintf(buf, len, "%s%s", sign, fmt_ns(num, sizeof(num), w));
	else
		snprintf(buf, len, "%s%.0f %s", sign, w, unit);
	return buf;
}

/* ---- colours ------------------------------------------------------------ */

/* Warm, from the name alone: the same frame has the same colour in every graph. */
static void colour_by_name(const char *name, char *buf, size_t len)
{
	__u64 h = 0xcbf29ce484222325ULL;
	const char *c;

	for (c = name; *c; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
	snprintf(buf, len, "rgb(%u,%u,%u)", 205 + (unsigned)(h % 50),
		 90 + (unsigned)((h >> 8) % 140), (unsigned)((h >> 16) % 60));
}

/* Red grew, blue shrank, the deeper the larger the change against the
 * largest one in the graph; grey unchanged. */
static void colour_by_change(double delta, double max_abs, char *buf, size_t len)
{
	double t = max_abs > 0 ? (delta < 0 ? -delta : delta) / max_abs : 0;
	unsigned int pale = (unsigned int)(225 - 175 * t + 0.5);

	if (delta > 0)
		snprintf(buf, len, "rgb(255,%u,%u)", pale, pale);
	else if (delta < 0)
		snprintf(buf, len, "rgb(%u,%u,255)", pale, pale);
	else
		snprintf(buf, len, "rgb(220,220,220)");
}

/* ---- the SVG ------------------------------------------------------------ */

struct fg_write {
	FILE *out;
	const struct fg_tree *t, *base; /* base: a diff */
	const char *unit, *prefix;
	double width; /* of the frames, px */
	unsigned int height;
	double max_abs; /* a diff: the largest change of a node */
};

static double node_delta(const struct fg_write *w, const struct fg_node *n)
{
	double was = n->base != FG_NONE ? (double)w->base->v[n->base].weight : 0;

	return (double)n->weight - was;
}

static void write_title(const struct fg_write *w, const struct fg_node *n)
{
	char now[48], was[48], change[48];
	FILE *out = w->out;

	fputs("<title>", out);
	xml_text(out, n->name, SIZE_MAX);
	fprintf(out, "\n%s, %.2f%% of all",
		fmt_weight(now, sizeof(now), (double)n->weight, w->unit),
		w->t->total ? 100.0 * (double)n->weight / (double)w->t->total : 0);
	if (w->base && n->base == FG_NONE) {
		fputs("; new: not in the base", out);
	} else if (w->base) {
		double b = (double)w->base->v[n->base].weight, d = node_delta(w, n);

		fprintf(out, "; base %s", fmt_weight(was, sizeof(was), b, w->unit));
		if (d == 0)
			fputs(", unchanged", out);
		else
			fprintf(out, ", %s%s (%+.1f%%)", d > 0 ? "+" : "",
				fmt_weight(change, sizeof(change), d, w->unit), 100.0 * d / b);
	}
	fputs("</title>", out);
}

static void write_node(const struct fg_write *w, const struct fg_node *n)
{
	double x = FG_MARGIN + w->width * (double)n->offset / (double)w->t->total;
	double wd = w->width * (double)n->weight / (double)w->t->total;
	double y = w->height - FG_FOOT - (double)(n->depth + 1) * FG_ROW;
	bool is_new = w->base && n->base == FG_NONE;
	char fill[32];
	FILE *out = w->out;

	if (w->base)
		colour_by_change(node_delta(w, n), w->max_abs, fill, sizeof(fill));
	else
		colour_by_name(n->name, fill, sizeof(fill));
	fprintf(out, "<g class=\"f%s\" data-o=\"%llu\" data-v=\"%llu\" data-d=\"%zu\">",
		is_new ? " new" : "", (unsigned long long)n->offset, (unsigned long long)n->weight,
		n->depth);
	write_title(w, n);
	fprintf(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"/>", x, y,
		wd, FG_ROW - 1, fill);
	fprintf(out, "<text x=\"%.2f\" y=\"%.1f\">", x + 3, y + FG_ROW - 4.5);
	fitted_name(out, n->name, wd);
	fputs("</text></g>\n", out);
}

static void write_style(const struct fg_write *w)
{
	const char *p = w->prefix;

	fprintf(w->out,
		"<style>\n"
		"#%ssvg { background: #fff; }\n"
		"#%ssvg text { font: 12px monospace; fill: #000; }\n"
		"#%ssvg .head { font-size: 16px; text-anchor: middle; }\n"
		"#%ssvg .btn { cursor: pointer; fill: #2255aa; }\n"
		"#%ssvg .btn:hover { text-decoration: underline; }\n"
		"#%ssvg .f { cursor: pointer; }\n"
		"#%ssvg .f rect { stroke: #fff; stroke-width: 0.5; }\n"
		"#%ssvg .f:hover rect { stroke: #000; stroke-width: 1; }\n"
		"#%ssvg .f.new rect { stroke: #000; stroke-dasharray: 3 2; }\n"
		"#%ssvg .f.anc rect { opacity: 0.55; }\n"
		"#%ssvg .f.match rect { fill: rgb(230,30,230); }\n"
		"#%ssvg .hide { display: none; }\n"
		"</style>\n",
		p, p, p, p, p, p, p, p, p, p, p, p);
}

static void write_chrome(const struct fg_write *w, const char *title)
{
	FILE *out = w->out;
	const char *p = w->prefix;
	unsigned int right = (unsigned int)(w->width + FG_MARGIN);
	char safe[1024];

	/* The title is the caller's (a path, say): control characters are no XML. */
	fprintf(out, "<text class=\"head\" x=\"%.1f\" y=\"22\">", FG_MARGIN + w->width / 2);
	xml_text(out, safe_name(safe, sizeof(safe), title), SIZE_MAX);
	fputs("</text>\n", out);
	fprintf(out,
		"<text id=\"%sreset\" class=\"btn hide\" x=\"%d\" y=\"22\">Reset zoom</text>\n"
		"<text id=\"%ssearch\" class=\"btn\" x=\"%u\" y=\"22\" "
		"style=\"text-anchor: end\">Search</text>\n"
		"<text id=\"%sclear\" class=\"btn\" x=\"%u\" y=\"38\" "
		"style=\"text-anchor: end\">Clear</text>\n"
		"<text id=\"%sdetails\" x=\"%d\" y=\"%u\"> </text>\n"
		"<text id=\"%smatched\" x=\"%u\" y=\"%u\" style=\"text-anchor: end\"></text>\n",
		p, FG_MARGIN, p, right, p, right, p, FG_MARGIN, w->height - 10, p, right,
		w->height - 10);
	if (!w->t->nr)
		fprintf(out, "<text x=\"%d\" y=\"%u\">no stacks to draw</text>\n", FG_MARGIN,
			FG_HEAD + 14);
}

static int write_svg(const struct fg_write *w, const char *title, unsigned int total_width)
{
	FILE *out = w->out;
	const char *p = w->prefix;
	size_t i;

	if (!*p)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n", out);
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" id=\"%ssvg\" "
		"class=\"sonde-flamegraph\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
		"data-w=\"%.2f\" data-x0=\"%d\" data-ch=\"%.1f\" data-total=\"%llu\">\n",
		p, total_width, w->height, total_width, w->height, w->width, FG_MARGIN, FG_CHAR,
		(unsigned long long)w->t->total);
	write_style(w);
	write_chrome(w, title);
	fprintf(out, "<g id=\"%sframes\">\n", p);
	for (i = 0; i < w->t->nr; i++)
		write_node(w, &w->t->v[i]);
	fputs("</g>\n<script><![CDATA[\n(function (P) {\n", out);
	fputs(flamegraph_js, out);
	fprintf(out, "})(\"%s\");\n]]></script>\n</svg>\n", p);
	return fflush(out) || ferror(out) ? -EIO : 0;
}

/* An id prefix goes into ids, CSS selectors and a JS string: letters, digits, '-', '_'. */
static bool prefix_ok(const char *p)
{
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return true;
}

int flamegraph_write_svg(FILE *out, const struct folded *f, const struct flamegraph_opts *o)
{
	unsigned int width = o->width ? o->width : FG_DEFAULT_WIDTH;
	struct fg_tree t, base = {0};
	struct fg_write w = {.out = out,
			     .t = &t,
			     .unit = f->unit ? f->unit : "",
			     .prefix = o->id_prefix ? o->id_prefix : ""};
	size_t i;
	int err;

	if (!prefix_ok(w.prefix) || width <= 2 * FG_MARGIN + 100)
		return -EINVAL;
	if ((err = tree_build(f, &t)))
		return err;
	if (o->base && (err = tree_build(o->base, &base)))
		goto cleanup;
	if (o->base) {
		w.base = &base;
		tree_match(&t, &base);
		for (i = 0; i < t.nr; i++) {
			double d = node_delta(&w, &t.v[i]);

			d = d < 0 ? -d : d;
			w.max_abs = d > w.max_abs ? d : w.max_abs;
		}
	}
	w.width = width - 2 * FG_MARGIN;
	w.height = (unsigned int)(FG_HEAD + (t.depth ? t.depth : 1) * FG_ROW + FG_FOOT);
	err = write_svg(&w, o->title ? o->title : "Flame graph", width);
cleanup:
	tree_free(&t);
	tree_free(&base);
	return err;
}

int flamegraph_save(const char *path, const struct folded *f, const struct flamegraph_opts *o)
{
	struct out_file *out = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int err = out_file_open(path, &out);

	if (err)
		return err;
	mem = open_memstream(&buf, &len);
	err = mem ? flamegraph_write_svg(mem, f, o) : -ENOMEM;
	if (mem && fclose(mem) && !err)
		err = -ENOMEM;
	if (!err)
		err = out_file_commit(out, buf, len);
	free(buf);
	out_file_close(out);
	return err;
}
