// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zlib.h>
#include "core/safe_text.h"
#include "core/util.h"

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

const char *file_type_name(unsigned int mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	case S_IFLNK:
		return "a symbolic link";
	}
	return "of an unknown type";
}

/* A read limit as people write it: "256 MiB", "64 KiB", "1000 bytes". */
static void fmt_limit(char *buf, size_t len, size_t max)
{
	if (max >= (1U << 20) && !(max % (1U << 20)))
		snprintf(buf, len, "%zu MiB", max >> 20);
	else if (max >= 1024 && !(max % 1024))
		snprintf(buf, len, "%zu KiB", max >> 10);
	else
		snprintf(buf, len, "%zu bytes", max);
}

/*
 * A descriptor on `path` if it is a regular file. stat() first, so a device
 * is never opened (opening one can act: a tape rewinds); then O_NONBLOCK, so
 * a FIFO swapped in meanwhile cannot block the open, and fstat() to be sure.
 */
static int open_regular(const char *path, struct stat *st, char *why, size_t why_len)
{
	int fd, flags, err;

	if (stat(path, st))
		return -errno;
	if (!S_ISREG(st->st_mode))
		goto not_regular;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		goto not_regular;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
not_regular:
	snprintf(why, why_len, "%s", file_type_name(st->st_mode));
	return -ESPIPE;
}

/* zlib's message without the "<fd:N>: " that gzdopen() streams put first. */
static void copy_gz_error(gzFile gz, int *zerr, char *why, size_t why_len)
{
	const char *msg = gzerror(gz, zerr), *p;

	if (!strncmp(msg, "<fd:", 4) && (p = strstr(msg, ">: ")))
		msg = p + 3;
	snprintf(why, why_len, "%s", msg);
}

int read_whole_file(const char *path, size_t max, char **out, size_t *len, char *why,
		    size_t why_len)
{
	size_t cap = 0, n = 0, next;
	char *buf = NULL, *v, limit[32];
	int fd, got = 0, zerr = Z_OK, read_errno = 0, err = 0;
	struct stat st;
	unsigned int want;
	gzFile gz;

	why[0] = '\0';
	fmt_limit(limit, sizeof(limit), max);
	fd = open_regular(path, &st, why, why_len);
	if (fd < 0)
		return fd;
	/* Larger than the limit on disk: it could only grow when decompressed. */
	if ((__u64)st.st_size > (__u64)max) {
		close(fd);
		snprintf(why, why_len, "is larger than %s", limit);
		return -EFBIG;
	}
	gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		return -ENOMEM;
	}
	/* Grow to max + 1 bytes at most: one byte past max says there is more. */
	for (;;) {
		if (n == cap) {
			if (cap > max)
				break;
			next = cap ? cap * 2 : 1U << 16;
			if (next > max + 1 || next < cap)
				next = max + 1;
			v = realloc(buf, next + 1);
			if (!v) {
				err = -ENOMEM;
				goto cleanup;
			}
			buf = v;
			cap = next;
		}
		/* gzread() takes an unsigned int and returns an int. */
		want = cap - n > (1U << 30) ? 1U << 30 : (unsigned int)(cap - n);
		errno = 0;
		got = gzread(gz, buf + n, want);
		if (got <= 0) {
			read_errno = errno;
			break;
		}
		n += (size_t)got;
	}
	if (n > max) {
		snprintf(why, why_len, "%s %s",
			 gzdirect(gz) ? "is larger than" : "decompresses to more than", limit);
		err = -EFBIG;
		goto cleanup;
	}
	/* gzerror()'s text lives in the stream: copied before gzclose() frees it. */
	copy_gz_error(gz, &zerr, why, why_len);
	if (zerr == Z_ERRNO)
		err = -(read_errno ? read_errno : EIO);
	else if (got < 0 || (zerr != Z_OK && zerr != Z_STREAM_END))
		err = -EIO;
cleanup:
	gzclose(gz);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}
