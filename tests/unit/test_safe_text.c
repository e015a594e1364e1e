// SPDX-License-Identifier: GPL-2.0
/* Names made safe to print (user/core/safe_text.c) and the messages that use it (user/core/util.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "core/safe_text.h"
#include "core/util.h"
#include "fixture.h"

static void expect_escaped(const char *s, const char *want)
{
	char buf[512];
	size_t n = safe_text(buf, sizeof(buf), s);

	if (strcmp(buf, want))
		fail_msg("safe_text(\"%s\") = \"%s\", want \"%s\"", s, buf, want);
	assert_int_equal(n, strlen(want));
	/* The size a caller asks for first is the same. */
	assert_int_equal(safe_text(NULL, 0, s), strlen(want));
}

static void expect_unchanged(const char *s)
{
	expect_escaped(s, s);
}

static void test_printable_passes(void **state)
{
	(void)state;
	expect_unchanged("");
	expect_unchanged("handle_req");
	expect_unchanged(" !\"#$%&'()*+,-./0123456789:;<=>?@AZ[]^_`az{|}~");
	expect_unchanged("std::vector<int, std::allocator<int> >::push_back(int const&)");
	expect_unchanged("/usr/lib/x86_64-linux-gnu/libssl.so.3:SSL_read");
	expect_unchanged("operator new(unsigned long)");
}

static void test_esc_and_bel(void **state)
{
	(void)state;
	expect_escaped("\x1b", "\\x1b");
	expect_escaped("\a", "\\x07");
	/* The window-title and clear-screen sequences of tests/targets/evilname.c. */
	expect_escaped("evil_\x1b]0;pwned\x07_title\x1b[2J",
		       "evil_\\x1b]0;pwned\\x07_title\\x1b[2J");
	expect_escaped("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
}

static void test_every_c0_control_and_del(void **state)
{
	char s[2] = "", want[8];
	int c;

	(void)state;
	for (c = 1; c < 0x20; c++) {
		s[0] = (char)c;
		snprintf(want, sizeof(want), "\\x%02x", c);
		expect_escaped(s, want);
	}
	expect_escaped("\x7f", "\\x7f");
	expect_escaped("a\tb\nc\rd", "a\\x09b\\x0ac\\x0dd");
	/* The printable neighbours of the controls pass. */
	expect_unchanged(" ");
	expect_unchanged("~");
}

static void test_c1_controls(void **state)
{
	char s[2] = "", want[8];
	int c;

	(void)state;
	/* Raw C1 bytes are not UTF-8 (lone continuation bytes): escaped. */
	for (c = 0x80; c < 0xa0; c++) {
		s[0] = (char)c;
		snprintf(want, sizeof(want), "\\x%02x", c);
		expect_escaped(s, want);
	}
	/* C1 controls as valid UTF-8 (U+0080..U+009F; U+009B is CSI): escaped byte by byte. */
	expect_escaped("\xc2\x80", "\\xc2\\x80");
	expect_escaped("\xc2\x9bH", "\\xc2\\x9bH"); /* CSI H: cursor home */
	expect_escaped("\xc2\x9f", "\\xc2\\x9f");
	/* U+00A0, the first character past them, passes. */
	expect_unchanged("\xc2\xa0");
}

static void test_valid_utf8_passes(void **state)
{
	(void)state;
	expect_unchanged("caf\xc3\xa9");		   /* é: 2 bytes */
	expect_unchanged("/home/j\xc3\xbcrgen/build/app"); /* ü in a path */
	expect_unchanged("\xe2\x82\xac");		   /* €: 3 bytes */
	expect_unchanged("\xe4\xb8\xad\xe6\x96\x87");	   /* 中文 */
	expect_unchanged("\xf0\x9f\x98\x80");		   /* U+1F600: 4 bytes */
	expect_unchanged("\xf4\x8f\xbf\xbf");		   /* U+10FFFF, the last */
	expect_unchanged("\xed\x9f\xbf");		   /* U+D7FF, below the surrogates */
	expect_unchanged("\xee\x80\x80");		   /* U+E000, above them */
	expect_unchanged("\xe0\xa0\x80");		   /* U+0800, the first 3-byte */
	expect_unchanged("\xf0\x90\x80\x80");		   /* U+10000, the first 4-byte */
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	/* Overlong forms. */
	expect_escaped("\xc0\xaf", "\\xc0\\xaf");
	expect_escaped("\xc1\xbf", "\\xc1\\xbf");
	expect_escaped("\xe0\x80\xaf", "\\xe0\\x80\\xaf");
	expect_escaped("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf");
	/* Surrogates, and past U+10FFFF. */
	expect_escaped("\xed\xa0\x80", "\\xed\\xa0\\x80");
	expect_escaped("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	expect_escaped("\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80");
	expect_escaped("\xfe\xff", "\\xfe\\xff");
	/* Sequences cut short: at the end, and by an ASCII byte (which then passes). */
	expect_escaped("a\xe2\x82", "a\\xe2\\x82");
	expect_escaped("\xe2\x82z", "\\xe2\\x82z");
	expect_escaped("\xf0\x9f\x98", "\\xf0\\x9f\\x98");
	expect_escaped("\xc3", "\\xc3");
	/* A valid character right after an invalid byte is kept whole. */
	expect_escaped("\xff\xc3\xa9", "\\xff\xc3\xa9");
}

static void test_backslash(void **state)
{
	(void)state;
	/* Alone, or before anything an escape cannot start with: unchanged. */
	expect_unchanged("a\\b");
	expect_unchanged("C:\\dir\\file");
	expect_unchanged("end\\");
	expect_unchanged("\\n");
	/* Where it would read as an escape: doubled. */
	expect_escaped("\\x1b", "\\\\x1b");
	expect_escaped("\\\\", "\\\\\\");
	expect_escaped("\\\x1b", "\\\\\\x1b");
	expect_escaped("\\\xff", "\\\\\\xff");
}

/* The bytes the escaped text stands for: \xHH is a byte, \\ a backslash, other \ itself. */
static size_t unescape(const char *s, char *out)
{
	size_t n = 0;

	while (*s) {
		if (s[0] == '\\' && s[1] == '\\') {
			out[n++] = '\\';
			s += 2;
		} else if (s[0] == '\\' && s[1] == 'x') {
			assert_non_null(strchr("0123456789abcdef", s[2]));
			assert_non_null(strchr("0123456789abcdef", s[3]));
			assert_true(s[2] && s[3]);
			out[n++] = (char)strtol((char[3]){s[2], s[3], 0}, NULL, 16);
			s += 4;
		} else {
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
	return n;
}

/* No control byte, no C1 control, only valid UTF-8 (decoded here the long way). */
static void assert_terminal_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned int cp = 0, min = 0;
	int n = 1, i;

	while (*p) {
		if (*p < 0x20 || *p == 0x7f)
			fail_msg("control byte 0x%02x in \"%s\"", *p, s);
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0)
			n = 2, cp = *p & 0x1f, min = 0x80;
		else if ((*p & 0xf0) == 0xe0)
			n = 3, cp = *p & 0x0f, min = 0x800;
		else if ((*p & 0xf8) == 0xf0)
			n = 4, cp = *p & 0x07, min = 0x10000;
		else
			fail_msg("invalid UTF-8 lead byte 0x%02x in \"%s\"", *p, s);
		for (i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				fail_msg("UTF-8 sequence cut short in \"%s\"", s);
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
			fail_msg("invalid code point U+%04X in \"%s\"", cp, s);
		if (cp < 0xa0)
			fail_msg("C1 control U+%04X in \"%s\"", cp, s);
		p += n;
	}
}

/* Random strings of every byte value: the escaped text is safe and gives the bytes back. */
static void test_round_trip(void **state)
{
	unsigned int seed = 12345;
	char s[64], esc[SAFE_TEXT_MAX_GROWTH * sizeof(s)], back[sizeof(s)];
	int round, i, len;

	(void)state;
	for (round = 0; round < 20000; round++) {
		len = (int)(seed % (sizeof(s) - 1));
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Skewed toward the interesting bytes: controls, backslash, x, UTF-8. */
			switch ((seed >> 16) % 6) {
			case 0:
				s[i] = (char)(1 + (seed >> 8) % 0x1f);
				break;
			case 1:
				s[i] = "\\x\x7f"[(seed >> 8) % 3];
				break;
			case 2:
				s[i] = (char)(0x80 + (seed >> 8) % 0x80);
				break;
			default:
				s[i] = (char)(1 + (seed >> 8) % 0xff);
				break;
			}
		}
		s[len] = '\0';
		seed = seed * 1103515245u + 12345u;
		assert_true(safe_text(esc, sizeof(esc), s) < sizeof(esc));
		assert_terminal_safe(esc);
		assert_int_equal(unescape(esc, back), (size_t)len);
		if (memcmp(back, s, (size_t)len))
			fail_msg("round trip of \"%s\" gave \"%s\" back", esc, back);
	}
}

static void test_truncation(void **state)
{
	const char *s = "ab\x1b\xc3\xa9z\\x";
	const char *full = "ab\\x1b\xc3\xa9z\\\\x"; /* pieces: a b \x1b é z \\ x */
	/* The longest whole prefix that fits in len - 1 bytes. */
	static const struct {
		size_t len;
		const char *want;
	} cases[] = {
	    {1, ""},
	    {2, "a"},
	    {3, "ab"},
	    {6, "ab"},
	    {7, "ab\\x1b"},
	    {8, "ab\\x1b"},
	    {9, "ab\\x1b\xc3\xa9"},
	    {10, "ab\\x1b\xc3\xa9z"},
	    {11, "ab\\x1b\xc3\xa9z"},
	    {12, "ab\\x1b\xc3\xa9z\\\\"},
	    {13, "ab\\x1b\xc3\xa9z\\\\x"},
	};
	char buf[32];
	size_t i;

	(void)state;
	assert_int_equal(strlen(full), 12);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, '#', sizeof(buf));
		/* Always the whole length, as snprintf. */
		assert_int_equal(safe_text(buf, cases[i].len, s), 12);
		if (strcmp(buf, cases[i].want))
			fail_msg("len %zu: \"%s\", want \"%s\"", cases[i].len, buf, cases[i].want);
		/* Nothing written past the buffer. */
		assert_int_equal(buf[cases[i].len], '#');
	}
	/* A piece that does not fit ends the text, even if a later, smaller one would. */
	assert_int_equal(safe_text(buf, 4, "\x1bz"), 5);
	assert_string_equal(buf, "");
	/* len 0 writes nothing at all. */
	buf[0] = '#';
	assert_int_equal(safe_text(buf, 0, "abc"), 3);
	assert_int_equal(buf[0], '#');
	/* safe_name returns its buffer. */
	assert_ptr_equal(safe_name(buf, sizeof(buf), "x\ay"), buf);
	assert_string_equal(buf, "x\\x07y");
}

/* What fn writes to a memory stream. */
static char *written(void (*fn)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, arg);
	fclose(f);
	assert_non_null(buf);
	return buf;
}

static void put_plain(FILE *f, const void *s)
{
	assert_int_equal(safe_fputs(s, f), 0);
}

static void put_padded(FILE *f, const void *s)
{
	assert_int_equal(safe_fputs_padded(s, 12, f), 0);
	fputc('|', f);
}

static int lines_printf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = safe_vfprintf_lines(f, fmt, ap);
	va_end(ap);
	return n;
}

static void put_lines(FILE *f, const void *s)
{
	assert_int_equal(lines_printf(f, "libbpf: %s: '%s'\n\tdone\n", "prog", (const char *)s),
			 (int)strlen("libbpf: prog: ''\n\tdone\n") + (int)strlen(s));
}

static void test_fputs(void **state)
{
	static const char *const strs[] = {
	    "",
	    "plain",
	    "evil_\x1b]0;pwned\x07_title\x1b[2J",
	    "\xc3\xa9t\xc3\xa9\xff",
	    "a\\x\\",
	    "\x1b",
	    "tail\x1b",
	};
	char want[256], *out;
	size_t i;

	(void)state;
	/* The same text as safe_text, whatever runs of plain bytes it is written in. */
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		safe_text(want, sizeof(want), strs[i]);
		out = written(put_plain, strs[i]);
		assert_string_equal(out, want);
		free(out);
	}
	/* Padded to the escaped text's width, as %-12s pads a plain name. */
	out = written(put_padded, "ab");
	assert_string_equal(out, "ab          |");
	free(out);
	out = written(put_padded, "a\x1b");
	assert_string_equal(out, "a\\x1b       |");
	free(out);
	out = written(put_padded, "longer_than_12");
	assert_string_equal(out, "longer_than_12|");
	free(out);
	/* libbpf's messages: newlines and tabs kept, the rest escaped. */
	out = written(put_lines, "/tmp/\x1b]0;x\x07.so");
	assert_string_equal(out, "libbpf: prog: '/tmp/\\x1b]0;x\\x07.so'\n\tdone\n");
	free(out);
}

static int fail_with_name(void *arg)
{
	return sonde_fail(SONDE_EXIT_INPUT, "no function matches '%s' in %s", (const char *)arg,
			  "/tmp/b\xc3\xa9ta/app");
}

static int info_with_name(void *arg)
{
	sonde_verbose = true;
	sonde_info("skipping '%s': no size", (const char *)arg);
	sonde_verbose = false;
	sonde_info("not shown: '%s'", (const char *)arg);
	return 0;
}

static int say_with_name(void *arg)
{
	sonde_say("note: '%s' is an IFUNC", (const char *)arg);
	return 0;
}

static int fail_long(void *arg)
{
	return sonde_fail(SONDE_EXIT_SYSTEM, "%s", (const char *)arg);
}

static void test_messages_escape_names(void **state)
{
	static const char evil[] = "evil_\x1b]0;pwned\x07_title\x1b[2J";
	char out[40000], *big;
	size_t n;

	(void)state;
	assert_int_equal(fx_capture_stderr(fail_with_name, (void *)evil, out, sizeof(out)),
			 -SONDE_EXIT_INPUT);
	assert_string_equal(out,
			    "sonde: no function matches 'evil_\\x1b]0;pwned\\x07_title\\x1b[2J' "
			    "in /tmp/b\xc3\xa9ta/app\n");
	fx_capture_stderr(info_with_name, (void *)evil, out, sizeof(out));
	assert_string_equal(out,
			    "sonde: skipping 'evil_\\x1b]0;pwned\\x07_title\\x1b[2J': no size\n");
	fx_capture_stderr(say_with_name, (void *)"\x9bH", out, sizeof(out));
	assert_string_equal(out, "sonde: note: '\\x9bH' is an IFUNC\n");
	/* A message of only escapes, at the formatting bound (8191 bytes): all of it, one line. */
	big = malloc(9000);
	assert_non_null(big);
	memset(big, '\x1b', 9000);
	big[8999] = '\0';
	assert_int_equal(fx_capture_stderr(fail_long, big, out, sizeof(out)), -SONDE_EXIT_SYSTEM);
	n = strlen(out);
	assert_int_equal(n, strlen("sonde: ") + 4 * 8191 + 1);
	assert_int_equal(strncmp(out + n - 5, "\\x1b\n", 5), 0);
	assert_null(strchr(out, '\x1b'));
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_printable_passes),
	    cmocka_unit_test(test_esc_and_bel),
	    cmocka_unit_test(test_every_c0_control_and_del),
	    cmocka_unit_test(test_c1_controls),
	    cmocka_unit_test(test_valid_utf8_passes),
	    cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_backslash),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_fputs),
	    cmocka_unit_test(test_messages_escape_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
