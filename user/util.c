// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include "safe_text.h"
#include "util.h"

bool sonde_verbose;

/*
 * "sonde: <message>\n" on stderr in one write, the message escaped: it names
 * symbols, paths and strings from files, which may hold escape sequences.
 */
static void say(const char *fmt, va_list ap)
{
	static const char prefix[] = "sonde: ";
	char msg[8192], line[sizeof(prefix) + SAFE_TEXT_MAX_GROWTH * sizeof(msg)];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	memcpy(line, prefix, sizeof(prefix) - 1);
	n = sizeof(prefix) - 1;
	safe_text(line + n, sizeof(line) - n - 1, msg); /* fits: 4 bytes at most per byte */
	n += strlen(line + n);
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
}

int sonde_fail(enum sonde_exit status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
	return -(int)status;
}

int exit_status_of(int err)
{
	if (err >= 0)
		return SONDE_EXIT_OK;
	if (-err == SONDE_EXIT_INPUT || -err == SONDE_EXIT_SYSTEM)
		return -err;
	/* A raw -errno that no caller explained (out of memory, mostly): say it. */
	fprintf(stderr, "sonde: %s\n", strerror(-err));
	return SONDE_EXIT_SYSTEM;
}

void sonde_info(const char *fmt, ...)
{
	va_list ap;

	if (!sonde_verbose)
		return;
	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

void sonde_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

static const struct {
	const char *suffix;
	double ns;
} duration_units[] = {
    {"ns", 1},	{"us", 1e3}, {"µs", 1e3},   {"ms", 1e6},
    {"s", 1e9}, {"m", 60e9}, {"min", 60e9}, {"h", 3600e9},
};

int parse_duration_ns(const char *s, __u64 *ns)
{
	double value, scale = 1e9; /* bare number: seconds */
	char *end;
	size_t i;

	/* Digits first: strtod would also take " 5", "+5" and hex. */
	if (!s || !((*s >= '0' && *s <= '9') || *s == '.') || strpbrk(s, "xX"))
		return -EINVAL;
	errno = 0;
	value = strtod(s, &end);
	if (errno || end == s || !isfinite(value))
		return -EINVAL;
	if (*end) {
		for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++)
			if (!strcmp(end, duration_units[i].suffix))
				break;
		if (i == sizeof(duration_units) / sizeof(duration_units[0]))
			return -EINVAL;
		scale = duration_units[i].ns;
	}
	value *= scale;
	if (value >= 1.8e19)
		return -ERANGE;
	*ns = (__u64)(value + 0.5);
	return 0;
}

/* Three significant digits, with the precision chosen after rounding so that
 * 9999 prints as "10.0" and 999.7 moves up to the next unit. */
static const char *fmt_3digits(char *buf, size_t len, double v, const char *unit)
{
	if (v < 9.995)
		snprintf(buf, len, "%.2f%s", v, unit);
	else if (v < 99.95)
		snprintf(buf, len, "%.1f%s", v, unit);
	else
		snprintf(buf, len, "%.0f%s", v, unit);
	return buf;
}

const char *fmt_ns(char *buf, size_t len, double ns)
{
	if (ns < 999.5) {
		snprintf(buf, len, "%.0fns", ns);
		return buf;
	}
	if (ns < 999.5e3)
		return fmt_3digits(buf, len, ns / 1e3, "us");
	if (ns < 999.5e6)
		return fmt_3digits(buf, len, ns / 1e6, "ms");
	return fmt_3digits(buf, len, ns / 1e9, "s");
}

const char *fmt_count(char *buf, size_t len, double n)
{
	if (n < 1e4) {
		snprintf(buf, len, n == floor(n) ? "%.0f" : "%.1f", n);
		return buf;
	}
	if (n < 999.5e3)
		return fmt_3digits(buf, len, n / 1e3, "k");
	if (n < 999.5e6)
		return fmt_3digits(buf, len, n / 1e6, "M");
	return fmt_3digits(buf, len, n / 1e9, "G");
}

__u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int read_whole_file(const char *path, size_t max, char **out, size_t *len, char *why,
		    size_t why_len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = NULL, *v;
	gzFile gz;
	int got, zerr;

	errno = 0;
	gz = gzopen(path, "rb");
	if (!gz)
		return -(errno ? errno : ENOMEM);
	for (;;) {
		if (!buf || n == cap) {
			cap = buf ? cap * 2 : cap;
			v = max && cap > max ? NULL : realloc(buf, cap + 1);
			if (!v) {
				free(buf);
				gzclose(gz);
				return max && cap > max ? -EFBIG : -ENOMEM;
			}
			buf = v;
		}
		got = gzread(gz, buf + n, (unsigned)(cap - n));
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	/* gzerror()'s text lives in the stream: copied before gzclose() frees it. */
	snprintf(why, why_len, "%s", gzerror(gz, &zerr));
	gzclose(gz);
	if (got < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
		free(buf);
		return -EIO;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}
