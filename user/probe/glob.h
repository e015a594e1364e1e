/* SPDX-License-Identifier: GPL-2.0 */
/* PROBE arguments ("[OBJECT:]GLOB") and matching globs against symbols. */
#ifndef SONDE_GLOB_H
#define SONDE_GLOB_H

#include <stdbool.h>
#include <stddef.h>
#include "probe/elf_syms.h"

struct probe_spec {
	char *object; /* library name or path; NULL = the main executable */
	char *glob;
};

/* Split at the first single ':' (C++ "::" is part of the name). -EINVAL on an empty part. */
int probe_spec_parse(const char *arg, struct probe_spec *spec);
void probe_spec_free(struct probe_spec *spec);

/*
 * Does the glob match the symbol's name or its demangled name, as they are or
 * as an operator types them: "put" matches the clone "put.isra.0",
 * "shop::Cache::get" matches "shop::Cache<int>::get(int) const", and
 * "app::store::Store::get" Rust's "<app::store::Store>::get". A glob with
 * template arguments or parameters matches the names that have them
 * ("shop::Cache<int>::get", "shop::Cache::get(int) const"). A cold
 * part ("work.cold") matches only its own name ("work*" does).
 */
bool glob_matches_sym(const char *glob, const struct sym *sym);

/*
 * Edit distance between a glob and a name, where '*' matches any run and '?'
 * any one character at no cost. Used to suggest names for a typo.
 */
size_t glob_distance(const char *glob, const char *name);

/* Up to max names closest to the glob (distance <= a third of its length, at
 * least 1 and at most 3); returns how many were written. */
size_t glob_suggest(const char *glob, const struct syms *syms, const char **out, size_t max);

#endif
