// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "probe/main_match.h"

struct target_match main_match_init(struct main_match *m, const struct probe_spec *specs, size_t nr)
{
	size_t i, used = 0;

	m->specs = specs;
	m->nr = nr;
	m->what[0] = '\0';
	for (i = 0; i < nr && used < sizeof(m->what); i++)
		if (!specs[i].object)
			used += snprintf(m->what + used, sizeof(m->what) - used, "%s'%s'",
					 used ? ", " : "", specs[i].glob);
	return (struct target_match){.is_main = main_match_is_main, .ctx = m, .what = m->what};
}

/* A function the resolver could probe: a sized symbol, not an IFUNC resolver. */
static bool has_match(const struct syms *syms, const char *glob)
{
	size_t i, n = syms__count(syms);

	for (i = 0; i < n; i++) {
		const struct sym *s = syms__get(syms, i);

		if (s->size && !s->ifunc && glob_matches_sym(glob, s))
			return true;
	}
	return false;
}

bool main_match_is_main(const char *path, const void *ctx)
{
	const struct main_match *m = ctx;
	struct syms *syms = NULL;
	bool all = true;
	size_t i;
	int err;

	for (i = 0; i < m->nr && all; i++) {
		if (m->specs[i].object)
			continue;
		/* Not an ELF object (a script), unreadable: not the program. */
		if (!syms && !(syms = syms__load(path, &err)))
			return false;
		all = has_match(syms, m->specs[i].glob);
	}
	syms__free(syms);
	return all;
}
