// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "util.h"

bool sonde_verbose;

int sonde_fail(enum sonde_exit status, const char *fmt, ...)
{
	va_list ap;

	fputs("sonde: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -(int)status;
}

int exit_status_of(int err)
{
	if (err >= 0)
		return SONDE_EXIT_OK;
	if (-err == SONDE_EXIT_INPUT || -err == SONDE_EXIT_SYSTEM)
		return -err;
	return SONDE_EXIT_SYSTEM;
}

void sonde_info(const char *fmt, ...)
{
	va_list ap;

	if (!sonde_verbose)
		return;
	fputs("sonde: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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

	if (!s || !*s || *s == '-' || *s == '+')
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

const char *fmt_ns(char *buf, size_t len, double ns)
{
	static const struct {
		double div;
		const char *unit;
	} units[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "us"}};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		double v = ns / units[i].div;

		if (v < 1)
			continue;
		/* Three significant digits: 1.23, 12.3, 123. */
		snprintf(buf, len,
			 v < 10	   ? "%.2f%s"
			 : v < 100 ? "%.1f%s"
				   : "%.0f%s",
			 v, units[i].unit);
		return buf;
	}
	snprintf(buf, len, "%.0fns", ns);
	return buf;
}

const char *fmt_count(char *buf, size_t len, double n)
{
	if (n < 1e4)
		snprintf(buf, len, n == floor(n) ? "%.0f" : "%.1f", n);
	else if (n < 1e6)
		snprintf(buf, len, "%.1fk", n / 1e3);
	else if (n < 1e9)
		snprintf(buf, len, "%.2fM", n / 1e6);
	else
		snprintf(buf, len, "%.2fG", n / 1e9);
	return buf;
}

__u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}
