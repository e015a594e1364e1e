// SPDX-License-Identifier: GPL-2.0
/*
 * The subcommand table, and what several commands do alike: the checks
 * before a run (as git's RUN_SETUP in git.c), libbpf's messages, and the
 * target's state around the attach.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cmd/cmd.h"
#include "cmd/cmd_opts.h"
#include "out/out_file.h"
#include "out/profile_file.h"
#include "probe/probes.h"
#include "core/safe_text.h"
#include "core/target.h"
#include "core/util.h"

#define CMD_TRACES (CMD_NEEDS_ROOT | CMD_NEEDS_OUTPUT | CMD_NEEDS_LIBBPF_LOG)

const struct cmd cmd_table[] = {
    {"lat", cmd_lat, CMD_TRACES, "per-function latency: sonde lat [options] PROBE... TARGET"},
    {"mem", cmd_mem, CMD_TRACES, "memory growth: sonde mem [options] TARGET"},
    /* Reads symbols and code only: no BPF, no root. */
    {"list", cmd_list, 0, "what can be probed: sonde list [PATTERN...] TARGET"},
    {"report", cmd_report, 0, "print a recorded profile: sonde report FILE [--json]"},
    {"diff", cmd_diff, 0, "regressions between profiles: sonde diff BASE... [:::] NEW..."},
    {"ab", cmd_ab, CMD_NEEDS_ROOT, "A/B runs, diffed: sonde ab PROBE... -- BASE_CMD ::: NEW_CMD"},
    {"trend", cmd_trend, 0, "metrics over a series of profiles: sonde trend FILE FILE..."},
    {"rules", cmd_rules, CMD_NEEDS_OUTPUT,
     "Prometheus alerting rules from baselines: sonde rules BASE..."},
};
const size_t cmd_table_len = sizeof(cmd_table) / sizeof(cmd_table[0]);

const struct cmd *cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < cmd_table_len; i++)
		if (!strcmp(name, cmd_table[i].name))
			return &cmd_table[i];
	return NULL;
}

static int libbpf_print_verbose(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || !sonde_verbose)
		return 0;
	return safe_vfprintf_lines(stderr, fmt, ap); /* its messages name paths */
}

int cmd_setup(const char *name, const char *output, struct out_file **out)
{
	const struct cmd *c = cmd_find(name);
	int err;

	if (!c)
		return -EINVAL;
	if ((c->needs & CMD_NEEDS_ROOT) && geteuid() != 0)
		return sonde_fail(
		    SONDE_EXIT_SYSTEM,
		    "tracing needs root (CAP_BPF and CAP_PERFMON); run: sudo sonde %s ...", name);
	/* Fail before tracing, not after a long run, when -o cannot be written. */
	if ((c->needs & CMD_NEEDS_OUTPUT) && output && (err = out_file_open(output, out)))
		return err;
	if (c->needs & CMD_NEEDS_LIBBPF_LOG)
		libbpf_set_print(libbpf_print_verbose);
	return 0;
}

int cmd_trace_prepare(const char *name, const char *output, struct out_file **out,
		      struct target *t)
{
	int err = cmd_setup(name, output, out);

	return err ? err : target_prepare(t);
}

int cmd_check_target_alive(struct target *t)
{
	if (target_all_exited(t))
		return sonde_fail(SONDE_EXIT_SYSTEM,
				  "the target exited while probes were being attached");
	return 0;
}

int cmd_release_target(struct target *t)
{
	int err = target_release(t);

	if (err)
		return sonde_fail(SONDE_EXIT_SYSTEM, "cannot start the command: %s",
				  strerror(-err));
	return 0;
}

int cmd_trace_end(int err, struct target *t, struct out_file *out)
{
	int ended = err ? 0 : target_report_end(t);

	out_file_close(out);
	target_free(t);
	return err ? exit_status_of(err) : ended;
}

int cmd_opt_returns(const struct cmd_opt *opt, const char *name, const char *val)
{
	(void)name;
	if (parse_return_mode(val, opt->ptr))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "--returns '%s': expected auto, uretprobe or insns", val);
	return 0;
}

int cmd_add_probe_spec(struct probe_spec **specs, size_t *nr, const char *arg)
{
	struct probe_spec *v = realloc(*specs, (*nr + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	*specs = v;
	if (probe_spec_parse(arg, &v[*nr]))
		return -EINVAL;
	(*nr)++;
	return 0;
}

int cmd_read_profiles(const char *const *files, size_t nr, struct sonde_profile ***out)
{
	struct sonde_profile **p = calloc(nr ? nr : 1, sizeof(*p));
	size_t i;
	int err = p ? 0 : -ENOMEM;

	for (i = 0; i < nr && !err; i++)
		err = profile_read(files[i], &p[i]);
	for (i = 1; i < nr && !err; i++)
		if (p[i]->kind != p[0]->kind)
			err = sonde_fail(SONDE_EXIT_INPUT,
					 "'%s' and '%s' are profiles of different kinds", files[0],
					 files[i]);
	if (err) {
		cmd_free_profiles(p, nr);
		return err;
	}
	*out = p;
	return 0;
}

void cmd_free_profiles(struct sonde_profile **p, size_t nr)
{
	size_t i;

	for (i = 0; p && i < nr; i++)
		sonde_profile_free(p[i]);
	free(p);
}
