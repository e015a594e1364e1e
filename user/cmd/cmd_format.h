/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The output formats (user/out/format.h), one table, and the one option that
 * picks one in every command: --json, or --format NAME.
 */
#ifndef SONDE_CMD_FORMAT_H
#define SONDE_CMD_FORMAT_H

#include "cmd/cmd_opts.h"
#include "out/format.h"

/* term: what a command prints without an output option. */
const struct output_format *cmd_format_default(void);

/* --json, --csv (no value) and --format NAME: store a const struct output_format *. */
int cmd_opt_json(const struct cmd_opt *opt, const char *name, const char *val);
int cmd_opt_csv(const struct cmd_opt *opt, const char *name, const char *val);
int cmd_opt_format(const struct cmd_opt *opt, const char *name, const char *val);

/* The two, in a command's table; json_help is --json's line in --help. */
/* clang-format off */
#define CMD_OPT_FORMAT(json_help, p) \
	{.name = "--json", .help = json_help, .parse = cmd_opt_json, .ptr = p}, \
	{.name = "--csv", .help = "the report's rows as CSV (RFC 4180), the JSON's fields", \
	 .parse = cmd_opt_csv, .ptr = p}, \
	CMD_OPT_CALLBACK("--format", "NAME", "the output: term (default), json or csv", \
			 cmd_opt_format, p)
/* As lat and mem word it. */
#define CMD_OPT_RUN_FORMAT(p) CMD_OPT_FORMAT("one JSON object per report, one per line", p)
/* clang-format on */

/*
 * 0 when f renders profiles of `kind` (diff: sonde diff's report of them);
 * else exit status 2 and one line saying so.
 */
int cmd_format_check(const struct output_format *f, enum profile_kind kind, bool diff);

#endif
