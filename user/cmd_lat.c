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
#include <sys/stat.h>
#include <unistd.h>
#include "attach.h"
#include "cmd.h"
#include "lat_read.h"
#include "report.h"
#include "session.h"
#include "util.h"

#define SONDE_DEFAULT_MAX_PROBES 5000

struct lat_opts {
	struct target target;
	struct probe_spec *specs;
	size_t nr_specs;
	__u64 duration_ns, interval_ns;
	size_t max_probes;
	bool json, hist;
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
		"  --max-probes N   refuse to attach more than N functions (default %d)\n"
		"  -v               say what is skipped and why; libbpf's messages\n",
		SONDE_DEFAULT_MAX_PROBES);
}

static int libbpf_print_verbose(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || !sonde_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
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

	o->max_probes = SONDE_DEFAULT_MAX_PROBES;
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
			o->max_probes = strtoul(val, &end, 10);
			if (errno || *end || *val < '0' || *val > '9' || o->max_probes == 0)
				return sonde_fail(SONDE_EXIT_INPUT,
						  "--max-probes '%s' is not a positive number",
						  val);
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

	if (!shown)
		return -ENOMEM;
	if (final) {
		memcpy(shown->funcs, cur->funcs, cur->nr_funcs * sizeof(*cur->funcs));
		memcpy(shown->drops, cur->drops, sizeof(cur->drops));
		shown->duration_ns = cur->duration_ns;
		shown->final = true;
	} else {
		lat_profile_delta(shown, cur, prev);
	}
	shown->main_object = cur->main_object;
	emit_report(o, shown);
	lat_profile_free(shown);
	return 0;
}

static struct probe_progs lat_progs(struct lat_bpf *skel)
{
	return (struct probe_progs){
	    .entry_multi = skel->progs.lat_entry_multi,
	    .ret_multi = skel->progs.lat_return_multi,
	    .entry_single = skel->progs.lat_entry_single,
	    .ret_single = skel->progs.lat_return_single,
	};
}

/* -b with probes in libraries: count only tasks whose executable is the binary. */
static __u64 exe_filter_ino(const struct lat_opts *o, const struct probe_set *set)
{
	struct stat st;
	size_t i;

	if (!o->target.binary || stat(o->target.exe, &st))
		return 0;
	for (i = 0; i < set->nr; i++)
		if (strcmp(set->sites[i].object, o->target.exe))
			return st.st_ino;
	return 0;
}

static int load_bpf(const struct lat_opts *o, const struct probe_set *set, bool multi,
		    struct lat_bpf **out)
{
	struct lat_bpf *skel;
	struct probe_progs progs;
	int err;

	skel = lat_bpf__open();
	if (!skel)
		return sonde_fail(SONDE_EXIT_SYSTEM, "cannot open the BPF object: %s",
				  strerror(errno));
	err = bpf_map__set_max_entries(skel->maps.func_stats, (__u32)set->nr);
	if (err)
		goto fail;
	skel->rodata->filter_exe_ino = exe_filter_ino(o, set);
	progs = lat_progs(skel);
	attach_select_progs(&progs, multi);
	err = lat_bpf__load(skel);
	if (err)
		goto fail;
	*out = skel;
	return 0;
fail:
	lat_bpf__destroy(skel);
	return sonde_fail(SONDE_EXIT_SYSTEM,
			  "cannot load BPF programs: %s (is BPF enabled? try -v)", strerror(-err));
}

static int trace(struct lat_opts *o, const struct probe_set *set)
{
	struct lat_profile *cur = NULL, *prev = NULL, *tmp;
	struct attachment *att = NULL;
	struct lat_bpf *skel = NULL;
	bool multi = attach_use_multi();
	struct probe_progs progs;
	struct session s;
	enum session_event ev;
	__u64 t0;
	int err;

	err = load_bpf(o, set, multi, &skel);
	if (err)
		return err;
	progs = lat_progs(skel);
	t0 = now_ns();
	err = attach_probes(&progs, multi, set, &o->target, &att);
	if (err)
		goto cleanup;
	sonde_info("attached %zu functions in %.3f s", set->nr, (now_ns() - t0) / 1e9);
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
	fprintf(stderr, "sonde: tracing %zu function%s (%zu links, %s)%s\n", set->nr,
		set->nr == 1 ? "" : "s", attachment_nr_links(att),
		multi ? "uprobe_multi" : "uprobes", o->duration_ns ? "" : "; Ctrl-C to stop");
	session_install_signals();
	session_start(&s, o->duration_ns, o->interval_ns);
	err = target_release(&o->target);
	if (err) {
		err = sonde_fail(SONDE_EXIT_SYSTEM, "cannot start the command: %s", strerror(-err));
		goto cleanup;
	}
	while ((ev = session_wait(&s, &o->target)) == SESSION_INTERVAL) {
		err = lat_read(skel, set, cur);
		if (err)
			break;
		cur->duration_ns = now_ns() - s.start_ns;
		report_snapshot(o, cur, prev, false);
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	if (ev == SESSION_TARGET_EXIT)
		sonde_info("the target exited; final report");
	else
		target_stop_cmd(&o->target);
	/* Read everything before detaching: what was measured is never lost. */
	err = lat_read(skel, set, cur);
	cur->duration_ns = now_ns() - s.start_ns;
	if (!err)
		err = report_snapshot(o, cur, prev, true);
	if (err)
		err = sonde_fail(SONDE_EXIT_SYSTEM, "cannot read the BPF maps: %s", strerror(-err));
cleanup:
	t0 = now_ns();
	attachment_free(att);
	if (att)
		sonde_info("detached in %.3f s", (now_ns() - t0) / 1e9);
	lat_bpf__destroy(skel);
	lat_profile_free(cur);
	lat_profile_free(prev);
	return err;
}

int cmd_lat(int argc, char **argv)
{
	struct probe_set set = {0};
	struct lat_opts o = {0};
	size_t i;
	int err, status;

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
	libbpf_set_print(libbpf_print_verbose);
	err = target_prepare(&o.target);
	if (err)
		goto cleanup;
	err = probes_resolve(&o.target, o.specs, o.nr_specs, o.max_probes, &set);
	if (err)
		goto cleanup;
	err = trace(&o, &set);
	if (!err && o.target.child_started) {
		status = target_reap(&o.target);
		sonde_info("the command exited with status %d", status);
	}
cleanup:
	target_free(&o.target);
	probe_set_free(&set);
	for (i = 0; i < o.nr_specs; i++)
		probe_spec_free(&o.specs[i]);
	free(o.specs);
	return exit_status_of(err);
}
