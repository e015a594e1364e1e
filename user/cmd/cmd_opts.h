/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A command's options from one table, in the manner of git's parse-options.h:
 * each entry holds an option's spellings, whether it takes a value, what
 * parses the value and where it goes, and its line in --help. The parser and
 * the help text read the same table, so they cannot drift apart.
 *
 * Options come in any order before `--`, each word whole: "-d 5s" and
 * "--max-probes 5", never "-d5s", "--max-probes=5" or an abbreviation.
 * A word that is not an option (or is "-") goes to the command's `arg`.
 */
#ifndef SONDE_CMD_OPTS_H
#define SONDE_CMD_OPTS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

struct target;
struct cmd_opt;

/* Store `val` (NULL for an option without a value) through opt->ptr. `name` is
 * the spelling given, for messages. 0, or a sonde_fail() code. */
typedef int (*cmd_opt_fn)(const struct cmd_opt *opt, const char *name, const char *val);

struct cmd_opt {
	const char *name;  /* the spelling --help shows: "-d", "--max-probes" */
	const char *alias; /* another spelling, or NULL: "--output" for "-o" */
	const char *arg;   /* the value's name in --help ("DURATION"); NULL: takes none */
	const char *help;  /* its text in --help, "\n" between lines; NULL: not shown */
	cmd_opt_fn parse;  /* NULL: a TARGET option, which target_parse_arg() takes */
	void *ptr;
	size_t size;	 /* sizeof(*ptr), for cmd_opt_count() */
	double min, max; /* the range of cmd_opt_count() and cmd_opt_number() */
};

/* Entries, in the order --help lists them; a table ends with CMD_OPT_END. */
/* clang-format off */
#define CMD_OPT_FLAG(n, al, h, p) \
	{.name = n, .alias = al, .help = h, .parse = cmd_opt_true, .ptr = p}
#define CMD_OPT_CLEAR(n, h, p) \
	{.name = n, .help = h, .parse = cmd_opt_false, .ptr = p}
#define CMD_OPT_STRING(n, al, a, h, p) \
	{.name = n, .alias = al, .arg = a, .help = h, .parse = cmd_opt_string, .ptr = p}
#define CMD_OPT_DURATION(n, a, h, p) \
	{.name = n, .arg = a, .help = h, .parse = cmd_opt_duration, .ptr = p}
/* A decimal count in [lo, hi] into a __u32 or a __u64. */
#define CMD_OPT_COUNT(n, a, h, p, lo, hi) \
	{.name = n, .arg = a, .help = h, .parse = cmd_opt_count, .ptr = p, .size = sizeof(*(p)), \
	 .min = lo, .max = hi}
/* A double in [lo, hi]. */
#define CMD_OPT_NUMBER(n, a, h, p, lo, hi) \
	{.name = n, .arg = a, .help = h, .parse = cmd_opt_number, .ptr = p, .min = lo, .max = hi}
#define CMD_OPT_CALLBACK(n, a, h, fn, p) \
	{.name = n, .arg = a, .help = h, .parse = fn, .ptr = p}
/* --ns PID, listed; target_parse_arg() takes it with -p, -b and `--`, which are not. */
#define CMD_OPT_TARGET_NS \
	{.name = "--ns", .arg = "PID", \
	 .help = "look up -b and OBJECT paths as process PID sees them (its\n" \
		 "mount namespace: a container), through /proc/PID/root"}
/* The options lat and mem share, worded once. */
#define CMD_OPT_RUN_DURATION(p) \
	CMD_OPT_DURATION("-d", "DURATION", "stop after DURATION (500ms, 30s, 2m); default: Ctrl-C", p)
#define CMD_OPT_RUN_INTERVAL(p) \
	CMD_OPT_DURATION("-i", "INTERVAL", "print a report every INTERVAL", p)
#define CMD_OPT_RUN_OUTPUT(p) \
	CMD_OPT_STRING("-o", "--output", "FILE", \
		       "also write the run's profile (FILE.gz: compressed), for\n" \
		       "sonde report and sonde diff", p)
#define CMD_OPT_RUN_VERBOSE \
	CMD_OPT_FLAG("-v", "--verbose", "say what is skipped and why; libbpf's messages", \
		     &sonde_verbose)
#define CMD_OPT_END {0}
/* What every tracing command's table ends with: --ns, -v, the end. */
#define CMD_OPT_TRACE_END CMD_OPT_TARGET_NS, CMD_OPT_RUN_VERBOSE, CMD_OPT_END
/* clang-format on */

/* A number in a help text: CMD_OPT_STR(SONDE_DEFAULT_MAX_PROBES) is "5000". */
#define CMD_OPT_STR_(x) #x
#define CMD_OPT_STR(x)	CMD_OPT_STR_(x)

struct cmd_opts {
	const char *cmd;	    /* "lat": named in "(try: sonde lat --help)" */
	const struct cmd_opt *opts; /* ends with CMD_OPT_END */
	const char *usage_head;	    /* --help before the option lines ... */
	const char *usage_tail;	    /* ... and after them */
	int help_width;		    /* the option column of --help */
	/* -p, -b, --ns and `--`, when the command takes a TARGET. */
	struct target *target;
	/* A word that is not an option. 0, or a sonde_fail() code. */
	int (*arg)(void *ctx, const char *arg);
	void *ctx;
};

/*
 * Parse argv[1..argc-1]. 0 when parsed; 1 when -h or --help printed the
 * usage on stdout (the command returns SONDE_EXIT_OK); or a sonde_fail() code.
 */
int cmd_opts_parse(const struct cmd_opts *spec, int argc, char **argv);

/* The usage text: head, one line (or more) per listed option, tail. */
void cmd_opts_usage(FILE *f, const struct cmd_opts *spec);

/* The parsers of the entries above; a callback of a command's own has this shape too. */
int cmd_opt_true(const struct cmd_opt *opt, const char *name, const char *val);
int cmd_opt_false(const struct cmd_opt *opt, const char *name, const char *val);
int cmd_opt_string(const struct cmd_opt *opt, const char *name, const char *val);
int cmd_opt_duration(const struct cmd_opt *opt, const char *name, const char *val);
int cmd_opt_count(const struct cmd_opt *opt, const char *name, const char *val);
int cmd_opt_number(const struct cmd_opt *opt, const char *name, const char *val);

#endif /* SONDE_CMD_OPTS_H */
