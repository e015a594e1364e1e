// SPDX-License-Identifier: GPL-2.0
/* The SVG flame graph (user/out/flamegraph.c), read back: a box per distinct
 * prefix, widths by weight, children over their parent, names escaped and
 * cut, a diff's colours. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "out/flamegraph.h"

/* One <g class="f"> of the SVG. */
struct box {
	char name[256]; /* the <title>'s first line, as written (escaped) */
	char text[256];
	char fill[32];
	unsigned long long o, v;
	unsigned int d;
	double x, y, w;
	int rects;
	int is_new;
};

static char *svg_of(const struct folded *f, const struct flamegraph_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(flamegraph_write_svg(out, f, o), 0);
	fclose(out);
	return buf;
}

static void between(const char *s, const char *from, const char *to, char *buf, size_t len)
{
	const char *a = strstr(s, from), *b;

	assert_non_null(a);
	a += strlen(from);
	b = strstr(a, to);
	assert_non_null(b);
	snprintf(buf, len, "%.*s", (int)(b - a), a);
}

static size_t parse(const char *svg, struct box *v, size_t max)
{
	const char *p = svg, *script = strstr(svg, "<script>");
	size_t n = 0;

	/* Up to the script, whose comments name the boxes too. */
	assert_non_null(script);
	while ((p = strstr(p, "<g class=\"f")) && p < script) {
		const char *end = strstr(p, "</g>"), *r;
		struct box *b = &v[n++];
		char seg[4096];

		assert_true(n <= max);
		assert_non_null(end);
		snprintf(seg, sizeof(seg), "%.*s", (int)(end - p), p);
		memset(b, 0, sizeof(*b));
		b->is_new = !strncmp(seg, "<g class=\"f new\"", 16);
		assert_int_equal(sscanf(strstr(seg, "data-o="),
					"data-o=\"%llu\" data-v=\"%llu\" "
					"data-d=\"%u\"",
					&b->o, &b->v, &b->d),
				 3);
		between(seg, "<title>", "\n", b->name, sizeof(b->name));
		between(seg, "<text x=", "</text>", b->text, sizeof(b->text));
		memmove(b->text, strchr(b->text, '>') + 1, strlen(strchr(b->text, '>') + 1) + 1);
		between(seg, "fill=\"", "\"", b->fill, sizeof(b->fill));
		for (r = seg; (r = strstr(r, "<rect ")); r++)
			b->rects++;
		r = strstr(seg, "<rect ");
		assert_int_equal(
		    sscanf(r, "<rect x=\"%lf\" y=\"%lf\" width=\"%lf\"", &b->x, &b->y, &b->w), 3);
		p = end;
	}
	return n;
}

static const struct box *find(const struct box *v, size_t n, const char *name, unsigned int d)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name) && v[i].d == d)
			return &v[i];
	fail_msg("no box %s at depth %u", name, d);
	return NULL;
}

/* frames separated by "|" (a frame may hold ';') */
static void add(struct folded *f, const char *stack, __u64 w)
{
	char buf[512], *frames[16], *save = NULL, *t;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", stack);
	for (t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save))
		frames[n++] = t;
	assert_int_equal(folded_add(f, (const char *const *)frames, n, w), 0);
}

/* Distinct prefixes of main;a;x main;a main;b main;b;a and a long name: 6. */
static void test_boxes_and_widths(void **state)
{
	struct flamegraph_opts o = {.title = "t", .width = 1020};
	struct folded f;
	struct box v[32];
	const struct box *main_, *a, *x, *b, *ba;
	char *svg;
	size_t n, i;

	(void)state;
	folded_init(&f, "bytes");
	add(&f, "main|a|x", 300);
	add(&f, "main|a", 100);
	add(&f, "main|b", 500);
	add(&f, "main|b|a", 50);
	add(&f, "main|b|a", 50);
	add(&f, "start|a_function_name_far_too_long_for_its_box", 1);
	svg = svg_of(&f, &o);
	assert_non_null(strstr(svg, "<?xml version=\"1.0\""));
	assert_null(strstr(svg, "href"));
	n = parse(svg, v, 32);
	assert_int_equal(n, 7);
	for (i = 0; i < n; i++)
		assert_int_equal(v[i].rects, 1);
	/* Every <rect> of the file is a frame's. */
	for (i = 0; (svg = strstr(svg, "<rect ")); svg++)
		i++;
	assert_int_equal(i, 7);
	main_ = find(v, n, "main", 0);
	a = find(v, n, "a", 1);
	x = find(v, n, "x", 2);
	b = find(v, n, "b", 1);
	ba = find(v, n, "a", 2);
	assert_int_equal(main_->v, 1000);
	assert_int_equal(a->v, 400);
	assert_int_equal(b->v, 600);
	assert_int_equal(ba->v, 100);
	/* 1000 px of frames for 1001 bytes; within the 2 decimals written. */
	for (i = 0; i < n; i++)
		assert_true(fabs(v[i].w - 1000.0 * (double)v[i].v / 1001) < 0.01);
	/* Children within their parent, above it; siblings by name. */
	assert_true(a->x >= main_->x - 0.01 && a->x + a->w <= main_->x + main_->w + 0.01);
	assert_true(x->x >= a->x - 0.01 && x->x + x->w <= a->x + a->w + 0.01);
	assert_true(ba->x >= b->x - 0.01 && ba->x + ba->w <= b->x + b->w + 0.01);
	assert_true(a->x + a->w <= b->x + 0.01);
	assert_true(x->y < a->y && a->y < main_->y);
	/* Plain graphs: warm colours by name, the same name the same colour. */
	assert_string_equal(a->fill, ba->fill);
	assert_int_equal(strncmp(a->fill, "rgb(2", 5), 0);
	/* Names fit their box: whole, or cut with "..", or left out. */
	assert_string_equal(main_->text, "main");
	assert_string_equal(find(v, n, "a_function_name_far_too_long_for_its_box", 1)->text, "");
	folded_free(&f);
}

static void test_names_escaped_and_cut(void **state)
{
	struct flamegraph_opts o = {.title = "<\"mem\" & 'co'>\x01", .width = 300};
	struct folded f;
	struct box v[8];
	char *svg;
	size_t n;

	(void)state;
	folded_init(&f, "calls");
	add(&f, "std::map<int, int>::at(int const&) const|x'\"y", 9);
	add(&f, "evil_\x1b]0;pwned\x07_title\xef\xbf\xbf", 1);
	svg = svg_of(&f, &o);
	assert_non_null(strstr(svg, "&lt;&quot;mem&quot; &amp; &apos;co&apos;&gt;\\x01</text>"));
	n = parse(svg, v, 8);
	assert_int_equal(n, 3);
	/* U+FFFF is no XML character. */
	assert_string_equal(v[0].name, "evil_\\x1b]0\\x3bpwned\\x07_title\\xef\\xbf\\xbf");
	assert_string_equal(v[1].name, "std::map&lt;int, int&gt;::at(int const&amp;) const");
	assert_string_equal(v[2].name, "x&apos;&quot;y");
	/* 280 px * 9/10 = 252 px, less 6 px of padding: 34 characters of 7.2 px
	 * (of 40); 32 and "..". */
	assert_string_equal(v[1].text, "std::map&lt;int, int&gt;::at(int const..");
	assert_non_null(strstr(svg, "\n9 calls, 90.00% of all</title>"));
	assert_null(strstr(svg, "\x1b"));
	folded_free(&f);
}

static unsigned int channel(const char *rgb, int i)
{
	unsigned int c[3];

	assert_int_equal(sscanf(rgb, "rgb(%u,%u,%u)", &c[0], &c[1], &c[2]), 3);
	return c[i];
}

/* Red grew, blue shrank, deeper for a larger change; grey unchanged; new marked. */
static void test_diff_colours(void **state)
{
	struct folded base, now;
	struct flamegraph_opts o = {.title = "diff", .base = &base};
	struct box v[16];
	const struct box *a, *b, *c, *d, *m;
	char *svg;
	size_t n;

	(void)state;
	folded_init(&base, "bytes");
	folded_init(&now, "bytes");
	add(&base, "main|a", 100);
	add(&base, "main|b", 600);
	add(&base, "main|d", 50);
	add(&base, "main|gone", 70);
	add(&now, "main|a", 500);
	add(&now, "main|b", 400);
	add(&now, "main|c", 50);
	add(&now, "main|d", 50);
	svg = svg_of(&now, &o);
	n = parse(svg, v, 16);
	assert_int_equal(n, 5); /* drawn from the new stacks: "gone" has no box */
	m = find(v, n, "main", 0);
	a = find(v, n, "a", 1);
	b = find(v, n, "b", 1);
	c = find(v, n, "c", 1);
	d = find(v, n, "d", 1);
	/* a +400 (the largest change): full red; b -200: blue, paler. */
	assert_string_equal(a->fill, "rgb(255,50,50)");
	assert_int_equal(channel(b->fill, 2), 255);
	assert_true(channel(b->fill, 0) == channel(b->fill, 1));
	assert_true(channel(b->fill, 0) > 50 && channel(b->fill, 0) < 225);
	assert_string_equal(d->fill, "rgb(220,220,220)");
	assert_true(c->is_new && !a->is_new && !m->is_new);
	assert_int_equal(channel(c->fill, 0), 255);
	/* main: 820 -> 1000, +180 */
	assert_int_equal(channel(m->fill, 0), 255);
	assert_true(channel(m->fill, 1) > channel(a->fill, 1));
	assert_non_null(strstr(svg, "base 100B, +400B (+400.0%)</title>"));
	assert_non_null(strstr(svg, "50B, 5.00% of all; new: not in the base</title>"));
	assert_non_null(strstr(svg, "<title>d\n50B, 5.00% of all; base 50B, unchanged</title>"));
	folded_free(&base);
	folded_free(&now);
}

/* Inside a page: no prolog, every id prefixed, and a prefix that could break
 * out of an id refused. An empty graph is still a graph. */
static void test_embedded_and_empty(void **state)
{
	struct flamegraph_opts o = {.id_prefix = "fg1-"};
	struct folded f;
	char *svg, *buf = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	folded_init(&f, "ns");
	svg = svg_of(&f, &o);
	assert_null(strstr(svg, "<?xml"));
	assert_int_equal(strncmp(svg, "<svg ", 5), 0);
	assert_non_null(strstr(svg, "id=\"fg1-svg\""));
	assert_non_null(strstr(svg, "id=\"fg1-frames\""));
	assert_non_null(strstr(svg, "})(\"fg1-\");"));
	assert_non_null(strstr(svg, "no stacks to draw"));
	assert_null(strstr(svg, "<rect"));
	free(svg);
	o.id_prefix = "x\"><script>";
	out = open_memstream(&buf, &len);
	assert_int_equal(flamegraph_write_svg(out, &f, &o), -EINVAL);
	fclose(out);
	free(buf);
	folded_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_boxes_and_widths),
	    cmocka_unit_test(test_names_escaped_and_cut),
	    cmocka_unit_test(test_diff_colours),
	    cmocka_unit_test(test_embedded_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
