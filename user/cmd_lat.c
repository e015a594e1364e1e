// SPDX-License-Identifier: GPL-2.0
/*
 * sonde lat: per-function latency. Resolve the PROBE globs, load lat.bpf.c
 * with its function table sized to the matches, attach, then report on each
 * interval and at the end from cumulative snapshots of the kernel's totals.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "attach.h"
#include "cmd.h"
#include "lat_tracer.h"
#include "main_match.h"
#include "probe_check.h"
#include "out_file.h"
#include "profile_file.h"
#include "report.h"
#include "safe_text.h"
#include "session.h"
#include "util.h"

#define SONDE_DEFAULT_MAX_PROBES 5000

struct lat_opts {
	struct target target;
	struct probe_spec *specs;
	size_t nr_specs;
	__u64 duration_ns, interval_ns;
	__u64 slower_than_ns;
	const char *output;   /* -o FILE */
	struct out_file *out; /* its temporary file, from before tracing to the end */
	int argc;
	char **argv;
	struct run_meta *meta; /* for -o */
	struct resolve_opts resolve;
	bool json, hist, sched, raw;
};

static void lat_usage(FILE *f)
{
	fprintf(f,
		"usage: sonde lat [options] PROBE... TARGET\n"
		"\n"
		"PROBE is [OBJECT:]GLOB: 'handle_*', 'libc:malloc', 'libssl.so.3:SSL_*',\n"
		"'ns::Cache::get*'. OBJECT is a path or a library name as the target maps it.\n"
		"TARGET is -p PID (repeatable), -b BINARY, or -- CMD ARGS... (last).\n"
		"\n"
		"  -d DURATION      stop after DURATION (500ms, 30s, 2m); default: Ctrl-C\n"
		"  -i INTERVAL      print a report every INTERVAL\n"
		"  --hist           add each function's latency histogram\n"
		"  --json           one JSON object per report, one per line\n"
		"  -o FILE          also write the run's profile (FILE.gz: compressed), for\n"
		"                   sonde report and sonde diff\n"
		"  --slower-than D  print each call slower than D as it happens, with its stack\n"
		"  --no-sched       no on-CPU / run-queue / blocked split (no scheduler hooks)\n"
		"  --raw            keep the probes' own cost in the figures (by default it is\n"
		"                   measured at start and every 5 s, and subtracted from every\n"
		"                   call; the \u00b1ERR column, error_ns in JSON, is its spread)\n"
		"  --no-site-choice probe at each function's first instruction, even when the\n"
		"                   kernel must single-step it (see sonde list)\n"
		"  --returns HOW    how returns are seen: auto (default: return probes, or the\n"
		"                   function's ret instructions in Go, C++ with exceptions and\n"
		"                   JIT runtimes, where return probes break the program),\n"
		"                   uretprobe, or insns\n"
		"  --max-probes N   refuse to attach more than N functions (default %d)\n"
		TARGET_USAGE_NS
		"  -v               say what is skipped and why; libbpf's messages\n"
		"\n"
		"With -- CMD, the probes go into the program the command runs: through a\n"
		"wrapper (taskset, env, nice, timeout, a script), the first it execs whose\n"
		"functions match every PROBE without an OBJECT.\n"
		"\n"
		SESSION_USAGE_STOPPING,
		SONDE_DEFAULT_MAX_PROBES);
}

static int libbpf_print_verbose(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || !sonde_verbose)
		return 0;
	return safe_vfprintf_lines(stderr, fmt, ap); /* its messages name paths */
}

static int option_value(int argc, char **argv, int *i, const char **val)
{
	if (*i + 1 >= argc)
		return sonde_fail(SONDE_EXIT_INPUT, "%s needs a value (try: sonde lat --help)",
				  argv[*i]);
	*val = argv[++*i];
	return 0;
}

static int parse_duration_opt(const char *opt, const char *val, __u64 *ns)
{
	if (parse_duration_ns(val, ns) || *ns == 0)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "%s '%s' is not a duration (try: 500ms, 30s, 2m)", opt, val);
	return 0;
}

static int add_spec(struct lat_opts *o, const char *arg)
{
	struct probe_spec *v = realloc(o->specs, (o->nr_specs + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	o->specs = v;
	if (probe_spec_parse(arg, &v[o->nr_specs]))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "bad probe '%s' (expected [OBJECT:]GLOB, like libc:malloc)", arg);
	o->nr_specs++;
	return 0;
}

static int parse_lat_args(int argc, char **argv, struct lat_opts *o)
{
	const char *val = NULL;
	char *end;
	int i, ret;

	/* lat's entry probe reads only rsp: site choice may skip argument writes. */
	o->resolve = (struct resolve_opts){.max_probes = SONDE_DEFAULT_MAX_PROBES,
					   .site_choice = true,
					   .returns = RETURN_MODE_AUTO};
	o->sched = true;
	o->argc = argc;
	o->argv = argv;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		ret = target_parse_arg(&o->target, argc, argv, &i);
		if (ret < 0)
			return ret;
		if (ret > 0)
			continue;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			lat_usage(stdout);
			exit(SONDE_EXIT_OK);
		} else if (!strcmp(a, "-d") || !strcmp(a, "-i")) {
			if ((ret = option_value(argc, argv, &i, &val)) ||
			    (ret = parse_duration_opt(
				 a, val, a[1] == 'd' ? &o->duration_ns : &o->interval_ns)))
				return ret;
		} else if (!strcmp(a, "--max-probes")) {
			if ((ret = option_value(argc, argv, &i, &val)))
				return ret;
			errno = 0;
			o->resolve.max_probes = strtoul(val, &end, 10);
			if (errno || *end || *val < '0' || *val > '9' || o->resolve.max_probes == 0)
				return sonde_fail(SONDE_EXIT_INPUT,
						  "--max-probes '%s' is not a positive number",
						  val);
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if ((ret = option_value(argc, argv, &i, &o->output)))
				return ret;
		} else if (!strcmp(a, "--slower-than")) {
			if ((ret = option_value(argc, argv, &i, &val)) ||
			    (ret = parse_duration_opt(a, val, &o->slower_than_ns)))
				return ret;
		} else if (!strcmp(a, "--raw")) {
			o->raw = true;
		} else if (!strcmp(a, "--no-site-choice")) {
			o->resolve.site_choice = false;
		} else if (!strcmp(a, "--returns")) {
			if ((ret = option_value(argc, argv, &i, &val)))
				return ret;
			if (parse_return_mode(val, &o->resolve.returns))
				return sonde_fail(SONDE_EXIT_INPUT,
						  "--returns '%s': expected auto, uretprobe or insns",
						  val);
		} else if (!strcmp(a, "--no-sched")) {
			o->sched = false;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--hist")) {
			o->hist = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			sonde_verbose = true;
		} else if (a[0] == '-' && a[1]) {
			return sonde_fail(SONDE_EXIT_INPUT,
					  "unknown option '%s' (try: sonde lat --help)", a);
		} else if ((ret = add_spec(o, a))) {
			return ret;
		}
	}
	if (!o->nr_specs)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "no PROBE given (example: sonde lat 'handle_*' -p PID)");
	return 0;
}

static void emit_report(const struct lat_opts *o, struct lat_profile *p)
{
	struct report_opts ro = {.hist = o->hist, .color = report_want_color(stdout)};

	lat_profile_sort(p);
	if (o->json)
		report_lat_json(stdout, p);
	else
		report_lat_term(stdout, p, &ro);
}

/* Sorted copy of a cumulative snapshot, or the interval since the last one. */
static int report_snapshot(const struct lat_opts *o, const struct lat_profile *cur,
			   const struct lat_profile *prev, bool final)
{
	struct lat_profile *shown = lat_profile_new(cur->nr_funcs);
	int err = 0;

	if (!shown)
		return -ENOMEM;
	if (final) {
		lat_profile_copy(shown, cur);
		shown->final = true;
	} else {
		lat_profile_delta(shown, cur, prev);
	}
	emit_report(o, shown);
	if (final && o->out)
		err = profile_save_lat(o->out, shown, o->meta);
	lat_profile_free(shown);
	return err;
}

/* Read and print: an interval (the difference from `prev`), or the final report. */
static int report_now(const struct lat_opts *o, struct lat_tracer *lt, const struct session *s,
		      struct lat_profile *cur, const struct lat_profile *prev, bool final)
{
	int err = lat_tracer__read(lt, cur);

	if (err)
		return sonde_fail(SONDE_EXIT_SYSTEM, "cannot read the BPF maps: %s",
				  strerror(-err));
	cur->duration_ns = now_ns() - s->start_ns;
	return report_snapshot(o, cur, prev, final);
}

static int trace(struct lat_opts *o, struct probe_set *set)
{
	struct lat_tracer_opts topts = {
	    .sched = o->sched, .slower_than_ns = o->slower_than_ns, .json = o->json, .raw = o->raw};
	struct lat_profile *cur = NULL, *prev = NULL, *tmp;
	struct lat_tracer *lt = NULL;
	enum session_event ev;
	struct session s;
	int err;

	err = lat_tracer__open(&topts, set, &o->target, &lt);
	if (err)
		return err;
	if (target_all_exited(&o->target)) {
		err = sonde_fail(SONDE_EXIT_SYSTEM,
				 "the target exited while probes were being attached");
		goto cleanup;
	}
	cur = lat_profile_new(set->nr);
	prev = lat_profile_new(set->nr);
	if (!cur || !prev) {
		err = -ENOMEM;
		goto cleanup;
	}
	cur->main_object = prev->main_object = object_shown_path(o->target.exe);
	o->meta = run_meta_collect(&o->target, set, o->argc, o->argv);
	if (!o->meta) {
		err = -ENOMEM;
		goto cleanup;
	}
	session_install_signals();
	session_start(&s, o->duration_ns, o->interval_ns, lat_tracer__events_fd(lt));
	err = target_release(&o->target);
	if (err) {
		err = sonde_fail(SONDE_EXIT_SYSTEM, "cannot start the command: %s", strerror(-err));
		goto cleanup;
	}
	/* The kernel installed the command's probes at its exec, silently refusing any. */
	if (o->target.child_started &&
	    (err = probes_check_installed(set, o->target.pids[0], o->target.exe)))
		goto cleanup;
	probe_set_note_skipped(set);
	fprintf(stderr, "sonde: tracing %zu function%s (%zu links, %s)%s\n",
		probe_set_nr_probed(set), probe_set_nr_probed(set) == 1 ? "" : "s",
		lat_tracer__nr_links(lt),
		lat_tracer__multi(lt) ? "uprobe_multi" : "uprobes",
		o->duration_ns ? "" : "; Ctrl-C to stop");
	while ((ev = session_wait(&s, &o->target)) == SESSION_INTERVAL || ev == SESSION_EVENTS) {
		lat_tracer__drain(lt);
		/* The reader went away (sonde lat ... | head): stop as if told to. */
		if (ferror(stdout))
			break;
		if (ev != SESSION_INTERVAL)
			continue;
		err = report_now(o, lt, &s, cur, prev, false);
		if (err)
			goto cleanup;
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	if (ev == SESSION_TARGET_EXIT)
		sonde_info("the target exited; final report");
	else
		target_stop_cmd(&o->target, session_hurried);
	/* Read everything before detaching: what was measured is never lost. */
	lat_tracer__drain(lt);
	err = report_now(o, lt, &s, cur, prev, true);
cleanup:
	lat_tracer__close(lt);
	run_meta_free(o->meta);
	o->meta = NULL;
	lat_profile_free(cur);
	lat_profile_free(prev);
	return err;
}

int cmd_lat(int argc, char **argv)
{
	struct probe_set set = {0};
	struct main_match mm;
	struct lat_opts o = {0};
	size_t i;
	int err, ended = 0;

	target_init(&o.target);
	err = parse_lat_args(argc, argv, &o);
	if (err)
		goto cleanup;
	if (geteuid() != 0) {
		err = sonde_fail(
		    SONDE_EXIT_SYSTEM,
		    "tracing needs root (CAP_BPF and CAP_PERFMON); run: sudo sonde lat ...");
		goto cleanup;
	}
	/* Fail before tracing, not after a long run, when -o cannot be written. */
	if (o.output && (err = out_file_open(o.output, &o.out)))
		goto cleanup;
	libbpf_set_print(libbpf_print_verbose);
	o.target.main_match = main_match_init(&mm, o.specs, o.nr_specs);
	err = target_prepare(&o.target);
	if (err)
		goto cleanup;
	err = probes_resolve(&o.target, o.specs, o.nr_specs, &o.resolve, &set);
	if (err)
		goto cleanup;
	err = trace(&o, &set);
	/* After the final report: how the target ended; exit 3 when a signal killed it. */
	if (!err)
		ended = target_report_end(&o.target);
cleanup:
	out_file_close(o.out);
	target_free(&o.target);
	probe_set_free(&set);
	for (i = 0; i < o.nr_specs; i++)
		probe_spec_free(&o.specs[i]);
	free(o.specs);
	return err ? exit_status_of(err) : ended;
}
