/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Function names as tables show them: a C++ name can be 160 characters of
 * template arguments, and cut at a column width it loses what tells
 * overloads and clones apart. Here names are shortened by structure
 * (demangle.h name_split()) and rows that would still read the same are
 * told apart. The result is raw text: callers escape it (safe_text.h) as
 * they print it.
 */
#ifndef SONDE_SHORT_NAMES_H
#define SONDE_SHORT_NAMES_H

#include <stddef.h>

/* What a name is shortened to, in bytes, where its structure allows. */
#define SHORT_NAME_WIDTH 72

/*
 * name in at most `width` bytes, into buf, by the first of these that fits:
 * as it is; without a template function's return type and with template
 * arguments after the first elided ("std::vector<int, ...>"); parameter
 * types without their namespaces ("basic_string<char, ...> const&");
 * the parameters' template arguments as "<...>"; parameters as "(...)";
 * the name's own template arguments as "<...>"; its leading namespaces as
 * "..."; its middle cut. Qualifiers (" const") and clone suffixes
 * (" [clone .isra.0]") are always kept whole.
 */
void short_name(const char *name, size_t width, char *buf, size_t len);

/* A row of a table: its object (names need to differ within one only) and names. */
struct name_row {
	const char *object;
	const char *name;
	const char *mangled; /* NULL when it is the name */
};

/*
 * The names a table shows, out[i] for rows[i] (malloc'd, free with
 * short_names_free()): short_name() of each, and where several rows of one
 * object would read the same, each followed by what tells it apart: the
 * mangled name's kind of destructor or constructor or its Rust hash
 * (" [D1]", " [h6f7b9201]", demangle.h mangled_variant()), else its rank
 * among them (" [#2]"). 0 or -ENOMEM.
 */
int short_names(const struct name_row *rows, size_t n, size_t width, char ***out);
void short_names_free(char **names, size_t n);

#endif
