// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "probe/demangle.h"
#include "probe/short_names.h"

/* A bounded piece of text being built; what does not fit is dropped. */
struct text {
	char s[4096];
	size_t len;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (n > sizeof(t->s) - 1 - t->len)
		n = sizeof(t->s) - 1 - t->len;
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void puts_text(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

static bool is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The first ',' at the top level of s[from, to), or `to`. */
static size_t first_comma(const char *s, size_t from, size_t to)
{
	size_t i;
	int depth = 0;

	for (i = from; i < to; i++) {
		if (s[i] == '<' || s[i] == '(')
			depth++;
		else if ((s[i] == '>' && s[i - 1] != '-') || s[i] == ')')
			depth--;
		else if (s[i] == ',' && !depth)
			return i;
	}
	return to;
}

/*
 * s[from, to) with its template arguments elided: each group keeps its first
 * argument (itself with "<...>" groups) when keep_first, else reads "<...>".
 * Short groups ("<int>") stay as they are.
 */
static void elide_templates(const char *s, size_t from, size_t to, bool keep_first,
			    struct text *out)
{
	size_t i = from, end, op, comma;

	while (i < to) {
		if ((op = name_operator_at(s, i))) {
			put(out, s + i, op);
			i += op;
			continue;
		}
		if (s[i] != '<' || i == from || !(is_ident(s[i - 1]) || s[i - 1] == ':')) {
			put(out, s + i++, 1);
			continue;
		}
		end = name_group_end(s, i, to);
		if (end - i <= 5) {
			put(out, s + i, end - i);
		} else if (keep_first) {
			comma = first_comma(s, i + 1, end - 1);
			put(out, "<", 1);
			elide_templates(s, i + 1, comma, false, out);
			puts_text(out, comma < end - 1 ? ", ...>" : ">");
		} else {
			puts_text(out, "<...>");
		}
		i = end;
	}
}

/* Parameter types without namespaces: "std::__cxx11::basic_string<...> const&" ->
 * "basic_string<...> const&". */
static void drop_namespaces(struct text *t)
{
	size_t i = 0, o = 0, j;

	while (i < t->len) {
		if (is_ident(t->s[i]) && (!o || (!is_ident(t->s[o - 1]) && t->s[o - 1] != ':'))) {
			for (j = i; j < t->len && is_ident(t->s[j]); j++)
				;
			if (j + 1 < t->len && t->s[j] == ':' && t->s[j + 1] == ':') {
				i = j + 2;
				continue;
			}
		}
		t->s[o++] = t->s[i++];
	}
	t->len = o;
	t->s[o] = '\0';
}

/* Where UTF-8 characters start: a cut never splits one. */
static size_t char_start(const char *s, size_t i)
{
	while (i && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

/* The name part cut to `room` bytes: leading namespaces as "...", else its middle. */
static void cut_name(const char *head, size_t room, struct text *out)
{
	size_t len = strlen(head), i, a, b;
	int depth = 0;

	if (len <= room) {
		puts_text(out, head);
		return;
	}
	/* The first top-level "::" that leaves few enough bytes after "...". */
	for (i = 0; i + 1 < len; i++) {
		if (strchr("<({[", head[i]))
			depth++;
		else if (strchr(">)}]", head[i]) && depth &&
			 !(head[i] == '>' && i && head[i - 1] == '-'))
			depth--;
		else if (!depth && head[i] == ':' && head[i + 1] == ':' && 3 + len - i <= room) {
			puts_text(out, "...");
			puts_text(out, head + i);
			return;
		}
	}
	if (room < 8)
		room = 8;
	a = char_start(head, (room - 3) / 2);
	b = char_start(head, len - (room - 3 - a));
	put(out, head, a);
	puts_text(out, "...");
	puts_text(out, head + b);
}

/* What follows the name at one level of shortening: parameters, qualifiers, clone suffixes. */
static void shorten_tail(const char *s, const struct name_parts *p, int level, struct text *out)
{
	struct text params = {.len = 0};

	if (level >= 4 && p->quals - p->params > 2) {
		puts_text(&params, "(...)");
	} else {
		elide_templates(s, p->params, p->quals, level < 3, &params);
		if (level >= 2)
			drop_namespaces(&params);
	}
	put(out, params.s, params.len);
	puts_text(out, s + p->quals);
}

/* name at one level of shortening (0: as it is), as the comment of short_name() lists them. */
static void shorten(const char *s, const struct name_parts *p, int level, struct text *out)
{
	if (level == 0) {
		puts_text(out, s);
		return;
	}
	/* The class's or function's own first template argument goes last: "basic_string<char,
	 * ...>" and "basic_string<wchar_t, ...>" are different functions. */
	elide_templates(s, p->name, p->params, level < 5, out);
	shorten_tail(s, p, level, out);
}

void short_name(const char *name, size_t width, char *buf, size_t len)
{
	struct text t, head = {.len = 0}, tail = {.len = 0};
	struct name_parts p;
	int level;

	name_split(name, &p);
	for (level = 0; level <= 5; level++) {
		t.len = 0;
		t.s[0] = '\0';
		shorten(name, &p, level, &t);
		if (t.len <= width) {
			snprintf(buf, len, "%s", t.s);
			return;
		}
	}
	/* Even so too wide: the name itself is cut, its parameters and suffixes kept;
	 * a Rust impl's type and trait first lose their namespaces. */
	elide_templates(name, p.name, p.params, false, &head);
	if (head.s[0] == '<')
		drop_namespaces(&head);
	shorten_tail(name, &p, 5, &tail);
	t.len = 0;
	t.s[0] = '\0';
	cut_name(head.s, width > tail.len ? width - tail.len : 0, &t);
	put(&t, tail.s, tail.len);
	snprintf(buf, len, "%s", t.s);
}

struct shown {
	size_t row;
	char *name;
};

static int shown_cmp(const void *a, const void *b, void *arg)
{
	const struct name_row *rows = arg;
	const struct shown *x = a, *y = b;
	const char *ox = rows[x->row].object, *oy = rows[y->row].object;
	int c = strcmp(ox ? ox : "", oy ? oy : "");

	if (!c)
		c = strcmp(x->name, y->name);
	return c ? c : (x->row > y->row) - (x->row < y->row);
}

static bool same_shown(const struct name_row *rows, const struct shown *x, const struct shown *y)
{
	const char *ox = rows[x->row].object, *oy = rows[y->row].object;

	return !strcmp(ox ? ox : "", oy ? oy : "") && !strcmp(x->name, y->name);
}

/* name + " [tag]", replacing name. */
static int add_tag(char **name, const char *tag)
{
	size_t len = strlen(*name) + strlen(tag) + 4;
	char *s = malloc(len);

	if (!s)
		return -ENOMEM;
	snprintf(s, len, "%s [%s]", *name, tag);
	free(*name);
	*name = s;
	return 0;
}

/* Sort by what is shown, and tag each run of equal names; the runs left equal, again. */
static int tell_apart(const struct name_row *rows, struct shown *v, size_t n, bool by_rank)
{
	size_t i, j, k;
	char tag[32];
	int err;

	qsort_r(v, n, sizeof(*v), shown_cmp, (void *)rows);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && same_shown(rows, &v[i], &v[j]); j++)
			;
		if (j - i < 2)
			continue;
		for (k = i; k < j; k++) {
			const char *mangled = rows[v[k].row].mangled, *t;

			if (by_rank) {
				snprintf(tag, sizeof(tag), "#%zu", k - i + 1);
				t = tag;
			} else {
				t = mangled ? mangled_variant(mangled, tag, sizeof(tag)) : NULL;
			}
			if (t && (err = add_tag(&v[k].name, t)))
				return err;
		}
	}
	return 0;
}

int short_names(const struct name_row *rows, size_t n, size_t width, char ***out)
{
	struct shown *v = calloc(n ? n : 1, sizeof(*v));
	char **names = calloc(n ? n : 1, sizeof(*names)), buf[1024];
	size_t i;
	int err = 0;

	if (!v || !names) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		short_name(rows[i].name, width, buf, sizeof(buf));
		v[i].row = i;
		v[i].name = strdup(buf);
		if (!v[i].name) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	err = tell_apart(rows, v, n, false);
	if (!err)
		err = tell_apart(rows, v, n, true);
	if (err)
		goto cleanup;
	for (i = 0; i < n; i++) {
		names[v[i].row] = v[i].name;
		v[i].name = NULL;
	}
	*out = names;
	names = NULL;
cleanup:
	for (i = 0; v && i < n; i++)
		free(v[i].name);
	free(v);
	free(names);
	return err;
}

void short_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}
