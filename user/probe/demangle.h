/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbol names as people read and type them: C++ and Rust (legacy and v0
 * mangling) demangled by libiberty, and the parts of a demangled name that
 * globs match and tables shorten.
 */
#ifndef SONDE_DEMANGLE_H
#define SONDE_DEMANGLE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The demangled name of a C++ or Rust symbol, malloc'd, with its parameter
 * list and qualifiers; NULL for any other name (C, Go) and for one libiberty
 * cannot read. Rust's legacy hash ("::h6f7b9201ac4a1aeb") and LLVM's
 * ".llvm.NNNN" are left out by libiberty; gcc's clone suffixes stay, as
 * " [clone .isra.0]", so that clones are told apart.
 */
char *demangle(const char *name);

/*
 * Where the clone suffixes at the end of a name start: of a symbol as the
 * compiler wrote it ("put.isra.0", "main.cold", "f.llvm.4711": 3, 4, 1) or
 * of a demangled one ("put(int) [clone .isra.0]": 8). strlen(name) when it
 * has none. Only the suffixes gcc and LLVM write count (isra, constprop,
 * part, cold, lto_priv, localalias, clone, llvm, __uniq): a Go name such as
 * "main.main" has none.
 */
size_t name_clone_start(const char *name);

/* Is one of those suffixes ".cold": a block gcc split off a function, not a function? */
bool name_is_cold_part(const char *name);

/*
 * What tells apart symbols that demangle to the same text, in buf: the kind
 * of constructor or destructor ("C1", "C2", "C3"; "D0" deleting, "D1"
 * complete object, "D2" base object) or a Rust legacy hash ("h6f7b9201",
 * its first 8 digits). NULL when the mangled name has none.
 */
const char *mangled_variant(const char *mangled, char *buf, size_t len);

/* Offsets into a demangled name (clone suffixes not counted), see name_split(). */
struct name_parts {
	size_t name;   /* where the qualified name starts: after a return type */
	size_t params; /* its '(' (== quals when there is no parameter list) */
	size_t quals;  /* after the ')': " const", " &&" */
	size_t clones; /* the clone suffixes, to the end */
};

/*
 * "int ns::max<int>(int, int) const [clone .isra.0]" ->
 * return type "int ", name "ns::max<int>", parameters "(int, int)",
 * qualifiers " const", clones " [clone .isra.0]". Lambdas, operators
 * ("operator()", "operator<<", "operator bool") and "(anonymous namespace)"
 * are read as parts of the name.
 */
void name_split(const char *s, struct name_parts *p);

/* The end of the "<...>" group opening at s[i] (before `end`), nested groups included. */
size_t name_group_end(const char *s, size_t i, size_t end);

/* Is "operator" a word at s[i] ("ns::operator<<", not "my_operator")? The length of it
 * and of the operator's symbol ("operator<<": 10), or 0. */
size_t name_operator_at(const char *s, size_t i);

/*
 * The name an operator types, into buf: without return type, parameters,
 * qualifiers, clone suffixes, template or generic arguments ("<...>", Rust's
 * "::<...>") and ABI tags ("[abi:cxx11]"), and a Rust impl's "<T>::f" or
 * "<T as Trait>::f" as "T::f". "shop::Cache<int>::get(int) const" ->
 * "shop::Cache::get". False when it does not fit.
 */
bool name_base(const char *s, char *buf, size_t len);

#endif
