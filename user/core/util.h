/* SPDX-License-Identifier: GPL-2.0 */
/* Errors, durations, number formatting and file reading shared by every module. */
#ifndef SONDE_UTIL_H
#define SONDE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

/* Exit statuses of the CLI contract (DESIGN.md). */
enum sonde_exit {
	SONDE_EXIT_OK = 0,
	SONDE_EXIT_REGRESSION = 1,
	SONDE_EXIT_INPUT = 2,  /* bad usage or bad input */
	SONDE_EXIT_SYSTEM = 3, /* no privilege, BPF unsupported, target vanished */
};

/*
 * Messages: "sonde: <message>" on stderr, one line, with every control
 * character of the whole message escaped (safe_text.h), since messages name
 * symbols, paths and strings from files.
 *
 * Print "sonde: <message>" on stderr and return -status, so a caller can
 * `return sonde_fail(SONDE_EXIT_INPUT, ...)` and main can exit with -ret.
 */
int sonde_fail(enum sonde_exit status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The exit status for a function's result: 0, a sonde_fail() code, or -errno (system). */
int exit_status_of(int err);

/* Print "sonde: <message>" on stderr only when -v was given. */
extern bool sonde_verbose;
void sonde_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "sonde: <message>" on stderr, always: notes, and what a run is doing. */
void sonde_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse "500ms", "30s", "2m", "1h", "250us", "100ns"; a bare number is seconds. */
int parse_duration_ns(const char *s, __u64 *ns);

/* Format nanoseconds in the unit that reads best: "812ns", "50.1us", "2.03ms", "1.50s". */
const char *fmt_ns(char *buf, size_t len, double ns);

/* a - b, or 0 where counters read at different moments put b ahead of a. */
static inline __u64 sub_floor0(__u64 a, __u64 b)
{
	return a > b ? a - b : 0;
}

/* Format a count compactly: "999", "12.3k", "4.56M". */
const char *fmt_count(char *buf, size_t len, double n);

__u64 now_ns(void); /* CLOCK_MONOTONIC */

/*
 * The whole file at `path`, decompressed when it is gzip (plain files pass
 * through), NUL-terminated, in *out for the caller to free; its length in
 * *len. At most `max` bytes are ever held: the file is read through zlib in
 * chunks, so a small file that decompresses to gigabytes stops at `max`.
 * Opened O_NONBLOCK, so a FIFO cannot block it; only regular files are read.
 * 0; -errno when it cannot be opened or read; -ESPIPE when it is not a
 * regular file (what it is in `why`: "a FIFO"); -EFBIG when it holds more
 * than `max` bytes (in `why`: "decompresses to more than 256 MiB" or "is
 * larger than 256 MiB"); -EIO when it is truncated or corrupt (zlib's reason
 * in `why`).
 */
int read_whole_file(const char *path, size_t max, char **out, size_t *len, char *why,
		    size_t why_len);

/* "a directory", "a FIFO", "a character device", ... for stat's st_mode. */
const char *file_type_name(unsigned int mode);

#endif /* SONDE_UTIL_H */
