/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names are data. Symbol names come from the traced binary, paths from
 * /proc/PID/maps, strings from a profile file: whoever made those can put an
 * escape sequence in them that retitles root's terminal or clears it. Every
 * such string goes through here on its way to a terminal or text output.
 *
 * The escaped text holds no control character: each byte 0x00-0x1f and 0x7f,
 * each byte that is not part of valid UTF-8, and each C1 control (U+0080 to
 * U+009F, which some terminals obey even UTF-8 encoded) is written as `\xHH`,
 * one per byte. Valid printable UTF-8 (demangled C++ names, paths with
 * accents) passes unchanged, and so does a backslash, except where it would
 * read as the start of an escape: before `x`, before another backslash and
 * before an escaped byte it is doubled (`\\`). So the escaped text still tells
 * exactly which bytes the name holds, and every name without a control
 * character and without `\x` or `\\` in it prints as it always did.
 *
 * JSON output needs none of this: jansson escapes control characters itself.
 */
#ifndef SONDE_SAFE_TEXT_H
#define SONDE_SAFE_TEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* The escaped text is at most this many times as long as the string. */
#define SAFE_TEXT_MAX_GROWTH 4

/*
 * The escaped s in buf, NUL-terminated, as snprintf: returns the length the
 * whole escaped text has (without the NUL), so a caller can size columns with
 * safe_text(NULL, 0, s). When buf is too small the text stops before the first
 * character or escape that does not fit: never half an escape, never half a
 * UTF-8 character.
 */
size_t safe_text(char *buf, size_t len, const char *s);

/* The escaped s, malloc'ed; NULL when out of memory. */
char *safe_text_dup(const char *s);

/* safe_text() for printf arguments: returns buf. */
const char *safe_name(char *buf, size_t len, const char *s);

/* The escaped s written to f, however long; 0, or EOF when writing failed. */
int safe_fputs(const char *s, FILE *f);

/* safe_fputs(), then spaces up to `width` columns (an escape counts its bytes). */
int safe_fputs_padded(const char *s, int width, FILE *f);

/*
 * vfprintf() with the whole formatted text escaped but for its newlines and
 * tabs: for multi-line messages of others (libbpf's, which name paths).
 * Returns what vfprintf would, -1 when formatting or writing failed.
 */
int safe_vfprintf_lines(FILE *f, const char *fmt, va_list ap);

#endif /* SONDE_SAFE_TEXT_H */
