// SPDX-License-Identifier: GPL-2.0
/* Options from one table per command: parsing, value checks and --help (cmd_opts.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd_opts.h"
#include "core/target.h"
#include "core/util.h"

static const struct cmd_opt *find_opt(const struct cmd_opt *opts, const char *word)
{
	for (; opts->name; opts++)
		if (opts->parse &&
		    (!strcmp(word, opts->name) || (opts->alias && !strcmp(word, opts->alias))))
			return opts;
	return NULL;
}

int cmd_opts_parse(const struct cmd_opts *spec, int argc, char **argv)
{
	const struct cmd_opt *opt;
	const char *val;
	int i, ret;

	if (spec->target)
		spec->target->command = spec->cmd;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (spec->target) {
			ret = target_parse_arg(spec->target, argc, argv, &i);
			if (ret < 0)
				return ret;
			if (ret > 0)
				continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			cmd_opts_usage(stdout, spec);
			return 1;
		}
		if (a[0] != '-' || !a[1]) {
			if ((ret = spec->arg(spec->ctx, a)))
				return ret;
			continue;
		}
		opt = find_opt(spec->opts, a);
		if (!opt)
			return sonde_fail(SONDE_EXIT_INPUT,
					  "unknown option '%s' (try: sonde %s --help)", a,
					  spec->cmd);
		val = NULL;
		if (opt->arg) {
			if (i + 1 >= argc)
				return sonde_fail(SONDE_EXIT_INPUT,
						  "%s needs a value (try: sonde %s --help)", a,
						  spec->cmd);
			val = argv[++i];
		}
		if ((ret = opt->parse(opt, a, val)))
			return ret;
	}
	return 0;
}

/* "  -o FILE          also write ...", its further lines under the first. */
static void print_opt(FILE *f, const struct cmd_opt *opt, int width)
{
	const char *line = opt->help, *nl;
	char left[64];

	snprintf(left, sizeof(left), "%s%s%s", opt->name, opt->arg ? " " : "",
		 opt->arg ? opt->arg : "");
	/* A name wider than the column: its text starts on the next line. */
	if ((int)strlen(left) > width)
		fprintf(f, "  %s\n%*s", left, width + 3, "");
	else
		fprintf(f, "  %-*s ", width, left);
	for (;;) {
		nl = strchr(line, '\n');
		fprintf(f, "%.*s\n", nl ? (int)(nl - line) : (int)strlen(line), line);
		if (!nl)
			break;
		line = nl + 1;
		fprintf(f, "%*s", width + 3, "");
	}
}

void cmd_opts_usage(FILE *f, const struct cmd_opts *spec)
{
	const struct cmd_opt *opt;

	fputs(spec->usage_head, f);
	for (opt = spec->opts; opt->name; opt++)
		if (opt->help)
			print_opt(f, opt, spec->help_width);
	if (spec->usage_tail)
		fputs(spec->usage_tail, f);
}

int cmd_opt_true(const struct cmd_opt *opt, const char *name, const char *val)
{
	(void)name, (void)val;
	*(bool *)opt->ptr = true;
	return 0;
}

int cmd_opt_false(const struct cmd_opt *opt, const char *name, const char *val)
{
	(void)name, (void)val;
	*(bool *)opt->ptr = false;
	return 0;
}

int cmd_opt_string(const struct cmd_opt *opt, const char *name, const char *val)
{
	(void)name;
	*(const char **)opt->ptr = val;
	return 0;
}

/* A duration with its unit, above zero. */
int cmd_opt_duration(const struct cmd_opt *opt, const char *name, const char *val)
{
	__u64 *ns = opt->ptr;

	if (parse_duration_ns(val, ns) || *ns == 0)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "%s '%s' is not a duration (try: 500ms, 30s, 2m)", name, val);
	return 0;
}

/* Decimal digits only (strtoull would take "-5" as 2^64 - 5), within [min, max]. */
int cmd_opt_count(const struct cmd_opt *opt, const char *name, const char *val)
{
	unsigned long long v, lo = (unsigned long long)opt->min, hi = (unsigned long long)opt->max;
	char *end;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (errno || *end || *val < '0' || *val > '9' || v < lo || v > hi)
		return sonde_fail(SONDE_EXIT_INPUT, "%s '%s' is not a number from %llu to %llu",
				  name, val, lo, hi);
	switch (opt->size) {
	case sizeof(__u32):
		*(__u32 *)opt->ptr = (__u32)v;
		break;
	case sizeof(__u64):
		*(__u64 *)opt->ptr = v;
		break;
	default:
		return -EINVAL; /* a table entry for a type this does not store */
	}
	return 0;
}

int cmd_opt_number(const struct cmd_opt *opt, const char *name, const char *val)
{
	double *out = opt->ptr;
	char *end;

	errno = 0;
	*out = strtod(val, &end);
	/* nan compares false with everything: it must not slip past the range (a
	 * gate told --threshold nan would pass every regression). */
	if (errno || end == val || *end || !isfinite(*out) || *out < opt->min || *out > opt->max)
		return sonde_fail(SONDE_EXIT_INPUT, "%s '%s' is not a number in [%g, %g]", name,
				  val, opt->min, opt->max);
	return 0;
}
