// SPDX-License-Identifier: GPL-2.0
/* sonde list: the functions a PROBE would match, with object, address and size. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"
#include "cmd/cmd_opts.h"
#include "mem/mem_tracer.h"
#include "probe/probes.h"
#include "core/safe_text.h"
#include "core/util.h"

static const char list_usage_head[] =
    "usage: sonde list [PATTERN...] TARGET\n"
    "\n"
    "PATTERN is [OBJECT:]GLOB as for sonde lat (default: every function of the\n"
    "executable). TARGET is -p PID, -b BINARY, or -- CMD (not started).\n"
    "PROBE is where the entry probe goes: past an endbr64 or a test to the first\n"
    "instruction the kernel emulates when that is safe (see the last column).\n"
    "RETURNS is how a call's return is seen: a return probe (uretprobe), or\n"
    "probes on the function's ret instructions where a return probe would\n"
    "break the program (Go, C++ with exceptions, JIT runtimes).\n";

/*
 * --for CMD: whose placement is shown. lat moves an entry probe past any
 * straight-line code that leaves rsp alone, and sees returns as the code's
 * runtime asks. mem's allocator probes read their arguments, so the code
 * skipped must leave the argument registers alone too, and they see returns
 * by return probes whatever the program (mem_resolve).
 */
struct list_placement {
	const char *cmd;
	const struct resolve_opts *fixed; /* the command's own; NULL: as the options say */
};

static const struct list_placement placements[] = {
    {.cmd = "lat"},
    {.cmd = "mem", .fixed = &mem_resolve},
};

struct list_args {
	struct probe_spec *specs;
	size_t nr_specs;
	const struct list_placement *placement;
};

static int parse_for(const struct cmd_opt *opt, const char *name, const char *val)
{
	const struct list_placement **out = opt->ptr;
	size_t i;

	(void)name;
	for (i = 0; i < sizeof(placements) / sizeof(placements[0]); i++) {
		if (!strcmp(val, placements[i].cmd)) {
			*out = &placements[i];
			return 0;
		}
	}
	return sonde_fail(SONDE_EXIT_INPUT, "--for '%s': expected lat or mem", val);
}

/* The resolve options of a's placement, with --returns and --no-site-choice. */
static int apply_placement(const struct list_args *a, struct resolve_opts *ro)
{
	const struct list_placement *p = a->placement;

	if (!p->fixed)
		return 0;
	ro->reads_args = p->fixed->reads_args;
	if (p->fixed->returns == RETURN_MODE_AUTO)
		return 0;
	if (ro->returns != RETURN_MODE_AUTO)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "--returns does not apply to --for %s: its probes see returns "
				  "by return probes",
				  p->cmd);
	ro->returns = p->fixed->returns;
	return 0;
}

static int add_pattern(void *ctx, const char *arg)
{
	struct list_args *a = ctx;
	int err = cmd_add_probe_spec(&a->specs, &a->nr_specs, arg);

	if (err == -EINVAL)
		return sonde_fail(SONDE_EXIT_INPUT, "bad pattern '%s' (expected [OBJECT:]GLOB)",
				  arg);
	return err;
}

/* 0, 1 when --help was printed, or a sonde_fail() code. */
static int parse_list_args(int argc, char **argv, struct target *t, struct resolve_opts *ro,
			   struct list_args *a)
{
	const struct cmd_opt opts[] = {
	    CMD_OPT_CLEAR("--no-site-choice", "probe every function at its first instruction",
			  &ro->site_choice),
	    CMD_OPT_CALLBACK("--returns", "HOW",
			     "auto (default), uretprobe or insns, as for sonde lat",
			     cmd_opt_returns, &ro->returns),
	    CMD_OPT_CALLBACK("--for", "CMD",
			     "place the probes as sonde CMD does: lat (default), or mem\n"
			     "(allocator probes: they read the arguments, and see returns\n"
			     "by return probes)",
			     parse_for, &a->placement),
	    CMD_OPT_FLAG("-v", NULL, "say which symbols are skipped and why", &sonde_verbose),
	    CMD_OPT_END,
	};
	const struct cmd_opts spec = {.cmd = "list",
				      .opts = opts,
				      .usage_head = list_usage_head,
				      .help_width = 18,
				      .target = t,
				      .arg = add_pattern,
				      .ctx = a};

	return cmd_opts_parse(&spec, argc, argv);
}

/* Stripped objects whose symbols came from a separate debug file: say which file. */
static void print_debug_files(const struct probe_set *set)
{
	const char *prev = NULL;
	struct syms *syms;
	size_t i;
	int err;

	/* Sites are sorted by object: each object once. */
	for (i = 0; i < set->nr; i++) {
		const char *obj = set->sites[i].object;

		if (prev && !strcmp(prev, obj))
			continue;
		prev = obj;
		syms = syms__load(obj, &err);
		if (syms && syms__debug_file(syms)) {
			fputs("symbols of ", stdout);
			safe_fputs_padded(object_shown_path(obj), 0, stdout);
			fputs(" from ", stdout);
			safe_fputs_padded(syms__debug_file(syms), 0, stdout);
			fputs("\n", stdout);
		}
		syms__free(syms);
	}
}

static int print_sites(const struct probe_set *set)
{
	int wobj = 6, wname = 8;
	char **shown = NULL;
	size_t i;
	int err = probe_set_short_names(set, &shown);

	if (err)
		return err;
	/* Paths and names from the binary: widths of their escaped text. */
	for (i = 0; i < set->nr; i++) {
		int n = (int)safe_text(NULL, 0, object_shown_path(set->sites[i].object));
		int m = (int)safe_text(NULL, 0, shown[i]);

		wobj = n > wobj ? n : wobj;
		wname = m > wname ? m : wname;
	}
	for (i = 0; i < set->nr_skipped; i++) {
		int n = (int)safe_text(NULL, 0, object_shown_path(set->skipped[i].object));
		int m = (int)safe_text(NULL, 0, shown[set->nr + i]);

		wobj = n > wobj ? n : wobj;
		wname = m > wname ? m : wname;
	}
	printf("%-18s %8s  %-5s  %-*s  %-*s  %s\n", "ADDRESS", "SIZE", "PROBE", wobj, "OBJECT",
	       wname, "FUNCTION", "PROBED INSTRUCTION (WHY THERE)");
	for (i = 0; i < set->nr; i++) {
		const struct probe_site *s = &set->sites[i];
		char at[16], ret[160];

		snprintf(at, sizeof(at), "+%u", s->choice.offset);
		printf("0x%016llx %8llu  %-5s  ", (unsigned long long)s->vaddr,
		       (unsigned long long)s->size, at);
		safe_fputs_padded(object_shown_path(s->object), wobj, stdout);
		fputs("  ", stdout);
		safe_fputs_padded(shown[i], wname, stdout);
		printf("  %s (%s%s%s%s)%s%s\n", s->choice.chosen[0] ? s->choice.chosen : "?",
		       site_reason_text(s->choice.reason), s->choice.blocker[0] ? ": " : "",
		       s->choice.blocker, s->choice.emulated ? "" : "; single-stepped, slow",
		       s->ret == PROBE_RET_INSNS ? "; returns at " : "",
		       s->ret == PROBE_RET_INSNS ? probe_return_text(s, ret, sizeof(ret)) : "");
	}
	for (i = 0; i < set->nr_skipped; i++) {
		const struct probe_skip *k = &set->skipped[i];

		printf("%-18s %8s  %-5s  ", "-", "-", "-");
		safe_fputs_padded(object_shown_path(k->object), wobj, stdout);
		fputs("  ", stdout);
		safe_fputs_padded(shown[set->nr + i], wname, stdout);
		printf("  not probed: %s%s%s\n", k->why, k->insn[0] ? ": " : "", k->insn);
	}
	printf("%zu function%s", set->nr, set->nr == 1 ? "" : "s");
	if (set->nr_skipped)
		printf(", and %zu not probed", set->nr_skipped);
	printf("\n");
	print_debug_files(set);
	probe_set_short_names_free(set, shown);
	return 0;
}

int cmd_list(int argc, char **argv)
{
	/* As sonde lat places its probes, unless --for says another command. */
	struct resolve_opts ro = {.max_probes = (size_t)-1, .site_choice = true};
	struct list_args a = {.placement = &placements[0]};
	struct probe_set set = {0};
	struct target t;
	size_t i;
	int err;

	target_init(&t);
	t.resolve_only = true;
	err = parse_list_args(argc, argv, &t, &ro, &a);
	if (!err)
		err = apply_placement(&a, &ro);
	if (err)
		goto cleanup; /* 1: --help was printed, exit status 0 */
	err = target_prepare(&t);
	if (err)
		goto cleanup;
	if (!a.nr_specs) {
		struct probe_spec all = {.glob = "*"};

		err = probes_resolve(&t, &all, 1, &ro, &set);
	} else {
		err = probes_resolve(&t, a.specs, a.nr_specs, &ro, &set);
	}
	if (!err)
		err = print_sites(&set);
cleanup:
	probe_set_free(&set);
	for (i = 0; i < a.nr_specs; i++)
		probe_spec_free(&a.specs[i]);
	free(a.specs);
	target_free(&t);
	return exit_status_of(err);
}
