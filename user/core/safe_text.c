// SPDX-License-Identifier: GPL-2.0
/* Strings from binaries, processes and files made safe to print (safe_text.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "core/safe_text.h"

/*
 * How many bytes at s form one printable character that passes unchanged:
 * 1 for printable ASCII, 2 to 4 for a valid UTF-8 sequence (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF) that is not a C1
 * control; 0 when s[0] must be escaped. Reads no further than a NUL.
 */
static size_t printable_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0x20 && c < 0x7f)
		return 1;
	if (c < 0xc2 || c > 0xf4) /* controls, DEL, continuation bytes, overlong leads */
		return 0;
	if (c < 0xe0) {
		n = 2;
		lo = c == 0xc2 ? 0xa0 : 0x80; /* C2 80..C2 9F: U+0080..U+009F, the C1 controls */
	} else if (c < 0xf0) {
		n = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf; /* ED A0..: the UTF-16 surrogates */
	} else {
		n = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	}
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * The next piece of escaped text for the string at s: its bytes in out (at
 * most 4), their number returned; *used is how many bytes of s it stands for.
 */
static size_t next_piece(const unsigned char *s, char out[4], size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = printable_len(s);

	if (n) {
		*used = n;
		/* A backslash that would read as an escape: before x, \ or an escape. */
		if (s[0] == '\\' &&
		    (s[1] == 'x' || s[1] == '\\' || (s[1] && !printable_len(s + 1)))) {
			out[0] = out[1] = '\\';
			return 2;
		}
		memcpy(out, s, n);
		return n;
	}
	*used = 1;
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[s[0] >> 4];
	out[3] = hex[s[0] & 0xf];
	return 4;
}

size_t safe_text(char *buf, size_t len, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t total = 0, written = 0, n, used;
	char piece[4];
	int full = !len;

	while (*p) {
		n = next_piece(p, piece, &used);
		p += used;
		/* Once a piece did not fit, no later one goes in: the text is a prefix. */
		if (!full && written + n < len) {
			memcpy(buf + written, piece, n);
			written += n;
		} else {
			full = 1;
		}
		total += n;
	}
	if (len)
		buf[written] = '\0';
	return total;
}

const char *safe_name(char *buf, size_t len, const char *s)
{
	safe_text(buf, len, s);
	return buf;
}

/* Write s escaped to f; with `lines`, newlines and tabs pass unchanged. */
static int put_escaped(const char *s, FILE *f, bool lines)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	size_t n, used;
	char piece[4];

	/* Bytes that pass unchanged go out in runs; each escape on its own. */
	while (*p) {
		if (lines && (*p == '\n' || *p == '\t')) {
			p++;
			continue;
		}
		n = next_piece(p, piece, &used);
		if (n == used && !memcmp(piece, p, n)) {
			p += used;
			continue;
		}
		if (p > run && fwrite(run, 1, (size_t)(p - run), f) != (size_t)(p - run))
			return EOF;
		if (fwrite(piece, 1, n, f) != n)
			return EOF;
		p += used;
		run = p;
	}
	if (p > run && fwrite(run, 1, (size_t)(p - run), f) != (size_t)(p - run))
		return EOF;
	return 0;
}

int safe_fputs(const char *s, FILE *f)
{
	return put_escaped(s, f, false);
}

int safe_vfprintf_lines(FILE *f, const char *fmt, va_list ap)
{
	char *text;
	int n = vasprintf(&text, fmt, ap);

	if (n < 0)
		return n;
	if (put_escaped(text, f, true))
		n = -1;
	free(text);
	return n;
}

int safe_fputs_padded(const char *s, int width, FILE *f)
{
	int pad = width - (int)safe_text(NULL, 0, s);

	if (safe_fputs(s, f))
		return EOF;
	return pad > 0 && fprintf(f, "%*s", pad, "") < 0 ? EOF : 0;
}

char *safe_text_dup(const char *s)
{
	size_t n = safe_text(NULL, 0, s) + 1;
	char *out = malloc(n);

	if (out)
		safe_text(out, n, s);
	return out;
}
