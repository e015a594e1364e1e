// SPDX-License-Identifier: GPL-2.0
/*
 * Demangling is libiberty's (binutils' and gdb's demangler: C++, and Rust
 * legacy and v0); what is here reads the text it prints.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libiberty/demangle.h>
#include "probe/demangle.h"

char *demangle(const char *name)
{
	/* Itanium C++ and Rust legacy start "_Z", Rust v0 "_R"; nothing else is tried. */
	if (name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	return cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI);
}

/* The suffixes gcc's and LLVM's clones and split parts carry. */
static const char *const clone_words[] = {
    "isra", "constprop", "part", "cold", "lto_priv", "localalias", "clone", "llvm", "__uniq",
};

/* The length of one ".word" or ".word.N.M" at s, or 0. */
static size_t clone_suffix_len(const char *s)
{
	const char *p;
	size_t i, n = 0;

	if (*s != '.')
		return 0;
	for (i = 0; i < sizeof(clone_words) / sizeof(clone_words[0]); i++) {
		n = strlen(clone_words[i]);
		if (!strncmp(s + 1, clone_words[i], n) &&
		    (s[1 + n] == '.' || s[1 + n] == '\0' || s[1 + n] == ']'))
			break;
	}
	if (i == sizeof(clone_words) / sizeof(clone_words[0]))
		return 0;
	p = s + 1 + n;
	while (p[0] == '.' && isdigit((unsigned char)p[1]))
		for (p++; isdigit((unsigned char)*p); p++)
			;
	return (size_t)(p - s);
}

/* Does s, to its end, consist of clone suffixes only? */
static bool all_clone_suffixes(const char *s)
{
	size_t n;

	while (*s) {
		n = clone_suffix_len(s);
		if (!n)
			return false;
		s += n;
	}
	return true;
}

/* libiberty writes each suffix as " [clone .isra.0]": where the first of those at the end
 * starts. */
static size_t demangled_clone_start(const char *name, size_t end)
{
	static const char tag[] = " [clone .";
	size_t at, t = sizeof(tag) - 1;

	while (end > t && name[end - 1] == ']') {
		for (at = end - 1; at > 0; at--)
			if (!strncmp(name + at, tag, t))
				break;
		if (!at)
			break;
		end = at;
	}
	return end;
}

size_t name_clone_start(const char *name)
{
	size_t len = strlen(name), at = demangled_clone_start(name, len);
	const char *dot;

	if (at < len)
		return at;
	for (dot = strchr(name, '.'); dot; dot = strchr(dot + 1, '.'))
		if (dot != name && all_clone_suffixes(dot))
			return (size_t)(dot - name);
	return len;
}

bool name_is_cold_part(const char *name)
{
	const char *p = name + name_clone_start(name);

	for (p = strstr(p, ".cold"); p; p = strstr(p + 1, ".cold"))
		if (p[5] == '\0' || p[5] == '.' || p[5] == ']')
			return true;
	return false;
}

/* "h" and the first 8 digits of a Rust legacy hash: "...17h6f7b9201ac4a1aebE". */
static const char *rust_legacy_hash(const char *mangled, char *buf, size_t len)
{
	const char *p, *found = NULL;
	int i;

	if (strncmp(mangled, "_ZN", 3))
		return NULL;
	for (p = strstr(mangled, "17h"); p; p = strstr(p + 1, "17h")) {
		for (i = 0; i < 16 && isxdigit((unsigned char)p[3 + i]); i++)
			;
		if (i == 16 && p[19] == 'E')
			found = p + 2;
	}
	if (!found)
		return NULL;
	snprintf(buf, len, "%.9s", found);
	return buf;
}

/* A thunk's target: "_ZThn8_N1XD1Ev", "_ZTv0_n24_N1XD0Ev" -> "N1XD1Ev", "N1XD0Ev"
 * (call offsets: Itanium C++ ABI 5.1.4.3), else NULL. */
static const char *thunk_target(const char *mangled)
{
	const char *p = mangled + 4;
	int offsets;

	if (!strncmp(mangled, "_ZTh", 4))
		offsets = 1;
	else if (!strncmp(mangled, "_ZTv", 4))
		offsets = 2;
	else
		return NULL;
	while (offsets-- && (p = strchr(p, '_')))
		p++;
	return p;
}

const char *mangled_variant(const char *mangled, char *buf, size_t len)
{
	/* The ABI's spellings (C1 complete, C2 base, C3 allocating; D0 deleting,
	 * D1 complete, D2 base; C4/D4 unified, C5/D5 a comdat group), by libiberty's enum. */
	static const char *const ctors[] = {NULL, "C1", "C2", "C3", "C4", "C5"};
	static const char *const dtors[] = {NULL, "D0", "D1", "D2", "D4", "D5"};
	const char *target = thunk_target(mangled);
	char thunk[512];
	unsigned int kind;

	if (strncmp(mangled, "_Z", 2))
		return NULL;
	/* A thunk to a destructor: the kind of the destructor it adjusts for. */
	if (target && snprintf(thunk, sizeof(thunk), "_Z%s", target) < (int)sizeof(thunk))
		mangled = thunk;
	kind = (unsigned int)is_gnu_v3_mangled_ctor(mangled);
	if (kind && kind < sizeof(ctors) / sizeof(ctors[0])) {
		snprintf(buf, len, "%s", ctors[kind]);
		return buf;
	}
	kind = (unsigned int)is_gnu_v3_mangled_dtor(mangled);
	if (kind && kind < sizeof(dtors) / sizeof(dtors[0])) {
		snprintf(buf, len, "%s", dtors[kind]);
		return buf;
	}
	return rust_legacy_hash(mangled, buf, len);
}

static bool is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The operator's own symbol after "operator" ("()", "[]", "<<=", "->*"): its length. */
static size_t operator_symbol_len(const char *s)
{
	size_t n = 0;

	if ((s[0] == '(' && s[1] == ')') || (s[0] == '[' && s[1] == ']'))
		return 2;
	while (s[n] && strchr("<>=!+-*/%^&|~,", s[n]))
		n++;
	return n;
}

size_t name_operator_at(const char *s, size_t i)
{
	if (strncmp(s + i, "operator", 8) || is_ident(s[i + 8]))
		return 0;
	if (i && is_ident(s[i - 1]))
		return 0;
	return 8 + operator_symbol_len(s + i + 8);
}

/* Trailing " const", " volatile", " &", " &&", " restrict" before `end`: where they start. */
static size_t quals_start(const char *s, size_t end)
{
	static const char *const quals[] = {" const", " volatile", " &&", " &", " restrict"};
	bool more = true;
	size_t i, n;

	while (more) {
		more = false;
		for (i = 0; i < sizeof(quals) / sizeof(quals[0]); i++) {
			n = strlen(quals[i]);
			if (end >= n && !strncmp(s + end - n, quals[i], n)) {
				end -= n;
				more = true;
				break;
			}
		}
	}
	return end;
}

void name_split(const char *s, struct name_parts *p)
{
	size_t end = name_clone_start(s), q = quals_start(s, end), i, op;
	int depth = 0;

	p->clones = end;
	p->quals = p->params = end;
	/* The parameter list: the '(' matching the last ')'. */
	if (q > 0 && s[q - 1] == ')') {
		for (i = q; i-- > 0;) {
			depth += s[i] == ')';
			depth -= s[i] == '(';
			if (!depth)
				break;
		}
		if (!depth && i > 0) {
			p->params = i;
			p->quals = q;
		}
	}
	/* A template function's return type ends at the last space outside brackets. */
	p->name = 0;
	for (i = 0, depth = 0; i < p->params; i++) {
		if (!depth && (op = name_operator_at(s, i)))
			break;
		if (strchr("(<[{", s[i]))
			depth++;
		else if (strchr(")>]}", s[i]) && depth && !(s[i] == '>' && i && s[i - 1] == '-'))
			depth--;
		else if (s[i] == ' ' && !depth)
			p->name = i + 1;
	}
}

size_t name_group_end(const char *s, size_t i, size_t end)
{
	int depth = 0;

	for (; i < end; i++) {
		depth += s[i] == '<';
		/* Not the '>' of "->" (Rust's "fn(u32) -> u32", C++'s "operator->"). */
		depth -= s[i] == '>' && !(i && s[i - 1] == '-');
		if (!depth)
			return i + 1;
	}
	return end;
}

/* The end of an "[abi:cxx11]" tag at s[i]. */
static size_t tag_end(const char *s, size_t i, size_t end)
{
	const char *close = memchr(s + i, ']', end - i);

	return close ? (size_t)(close - s) + 1 : end;
}

/* Rust's "<T>::f" and "<T as Trait>::f" (impls) as "T::f", in place. */
static void unwrap_rust_impl(char *buf)
{
	size_t close = name_group_end(buf, 0, strlen(buf)), i, self_end;
	int depth = 0;

	if (buf[0] != '<' || strncmp(buf + close, "::", 2))
		return;
	self_end = close - 1;
	for (i = 1; i < close - 1; i++) {
		depth += buf[i] == '<';
		depth -= buf[i] == '>';
		if (!depth && !strncmp(buf + i, " as ", 4)) {
			self_end = i;
			break;
		}
	}
	memmove(buf + self_end, buf + close, strlen(buf + close) + 1);
	memmove(buf, buf + 1, strlen(buf + 1) + 1);
}

bool name_base(const char *s, char *buf, size_t len)
{
	struct name_parts p;
	size_t i, o = 0, op;

	name_split(s, &p);
	for (i = p.name; i < p.params;) {
		if ((op = name_operator_at(s, i))) {
			if (o + op >= len)
				return false;
			memcpy(buf + o, s + i, op);
			o += op;
			i += op;
			/* "operator< <int>": the template arguments of an operator template. */
			if (s[i] == ' ' && s[i + 1] == '<')
				i = name_group_end(s, i + 1, p.params);
			continue;
		}
		if (s[i] == '<' && o && (is_ident(buf[o - 1]) || buf[o - 1] == ']')) {
			i = name_group_end(s, i, p.params);
			continue;
		}
		/* Rust's turbofish: "app::twice::<u32>". */
		if (s[i] == '<' && o >= 3 && buf[o - 1] == ':' && buf[o - 2] == ':' &&
		    is_ident(buf[o - 3])) {
			o -= 2;
			i = name_group_end(s, i, p.params);
			continue;
		}
		if (!strncmp(s + i, "[abi:", 5)) {
			i = tag_end(s, i, p.params);
			continue;
		}
		if (o + 1 >= len)
			return false;
		buf[o++] = s[i++];
	}
	buf[o] = '\0';
	unwrap_rust_impl(buf);
	return true;
}
