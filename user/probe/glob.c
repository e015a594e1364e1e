// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include "probe/demangle.h"
#include "probe/glob.h"

int probe_spec_parse(const char *arg, struct probe_spec *spec)
{
	const char *p, *colon = NULL;

	memset(spec, 0, sizeof(*spec));
	if (!arg || !*arg)
		return -EINVAL;
	/* The first ':' that is not half of a C++ "::". */
	for (p = arg; *p; p++) {
		if (*p != ':')
			continue;
		if (p[1] == ':') {
			p++;
			continue;
		}
		colon = p;
		break;
	}
	if (!colon) {
		spec->glob = strdup(arg);
		return spec->glob ? 0 : -ENOMEM;
	}
	if (colon == arg || !colon[1])
		return -EINVAL;
	spec->object = strndup(arg, colon - arg);
	spec->glob = strdup(colon + 1);
	if (!spec->object || !spec->glob) {
		probe_spec_free(spec);
		return -ENOMEM;
	}
	return 0;
}

void probe_spec_free(struct probe_spec *spec)
{
	free(spec->object);
	free(spec->glob);
	spec->object = spec->glob = NULL;
}

/* Does the glob match the first n bytes of name? */
static bool matches_prefix(const char *glob, const char *name, size_t n)
{
	char buf[4096];

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, name, n);
	buf[n] = '\0';
	return fnmatch(glob, buf, 0) == 0;
}

/*
 * A name matches as it is, and, unless it is a cold part (a block of a
 * function, not one), as the forms an operator types: without its clone
 * suffixes ("put.isra.0" -> "put"), and for a demangled name also without
 * its parameters and qualifiers ("ns::Cache<int>::get"), and without return
 * type, template arguments and Rust's impl brackets ("ns::Cache::get",
 * demangle.h name_base()), with or without its parameters.
 */
static bool matches_name(const char *glob, const char *name, bool demangled)
{
	struct name_parts p;
	char base[4096];
	size_t n;

	if (fnmatch(glob, name, 0) == 0)
		return true;
	if (name_is_cold_part(name))
		return false;
	if (!demangled)
		return matches_prefix(glob, name, name_clone_start(name));
	name_split(name, &p);
	if (matches_prefix(glob, name, p.clones) ||
	    matches_prefix(glob, name + p.name, p.clones - p.name) ||
	    matches_prefix(glob, name + p.name, p.params - p.name))
		return true;
	if (!name_base(name, base, sizeof(base)))
		return false;
	if (fnmatch(glob, base, 0) == 0)
		return true;
	/* The base name with the parameters: "shop::Cache::get(int) const". */
	n = strlen(base);
	if (p.params == p.quals || n + (p.clones - p.params) >= sizeof(base))
		return false;
	memcpy(base + n, name + p.params, p.clones - p.params);
	base[n + (p.clones - p.params)] = '\0';
	return fnmatch(glob, base, 0) == 0;
}

bool glob_matches_sym(const char *glob, const struct sym *sym)
{
	return matches_name(glob, sym->name, false) ||
	       (sym->demangled && matches_name(glob, sym->demangled, true));
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

size_t glob_distance(const char *glob, const char *name)
{
	size_t gl = strlen(glob), nl = strlen(name), i, j, d;
	size_t *prev, *cur, *tmp;

	prev = calloc(nl + 1, sizeof(*prev));
	cur = calloc(nl + 1, sizeof(*cur));
	if (!prev || !cur) {
		free(prev);
		free(cur);
		return (size_t)-1;
	}
	for (j = 0; j <= nl; j++)
		prev[j] = j;
	for (i = 1; i <= gl; i++) {
		char g = glob[i - 1];

		cur[0] = g == '*' ? prev[0] : prev[0] + 1;
		for (j = 1; j <= nl; j++) {
			if (g == '*') {
				/* '*' absorbs nothing (prev[j]) or one more character (cur[j-1]).
				 */
				cur[j] = prev[j] < cur[j - 1] ? prev[j] : cur[j - 1];
				continue;
			}
			d = (g == '?' || g == name[j - 1]) ? 0 : 1;
			cur[j] = min3(prev[j - 1] + d, prev[j] + 1, cur[j - 1] + 1);
		}
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	d = prev[nl];
	free(prev);
	free(cur);
	return d;
}

size_t glob_suggest(const char *glob, const struct syms *syms, const char **out, size_t max)
{
	size_t limit = strlen(glob) / 3, n = 0, i, k, best_d[8];

	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	if (max > 8)
		max = 8;
	for (i = 0; i < syms__count(syms); i++) {
		const struct sym *s = syms__get(syms, i);
		const char *name = s->demangled ? s->demangled : s->name;
		size_t d = glob_distance(glob, name);

		if (d > limit)
			continue;
		for (k = 0; k < n; k++)
			if (!strcmp(out[k], name))
				break;
		if (k < n)
			continue;
		/* Insertion into the sorted list of the best `max`. */
		for (k = n; k > 0 && best_d[k - 1] > d; k--) {
			if (k < max) {
				best_d[k] = best_d[k - 1];
				out[k] = out[k - 1];
			}
		}
		if (k < max) {
			best_d[k] = d;
			out[k] = name;
			if (n < max)
				n++;
		}
	}
	return n;
}
