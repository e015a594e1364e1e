// SPDX-License-Identifier: GPL-2.0
/*
 * sonde lat: per-function latency. Resolve the PROBE globs, load lat.bpf.c
 * with its function table sized to the matches, attach, then report on each
 * interval and at the end from cumulative snapshots of the kernel's totals.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "probe/attach.h"
#include "cmd/cmd.h"
#include "cmd/cmd_budget.h"
#include "cmd/cmd_format.h"
#include "cmd/cmd_opts.h"
#include "cmd/cmd_prom.h"
#include "lat/lat_slices.h"
#include "lat/lat_tracer.h"
#include "probe/main_match.h"
#include "probe/probe_check.h"
#include "out/folded.h"
#include "out/lat_tree_folded.h"
#include "out/lat_tree_term.h"
#include "out/lat_offcpu_folded.h"
#include "out/out_file.h"
#include "out/profile_file.h"
#include "out/prom_lat.h"
#include "cmd/run_loop.h"
#include "core/util.h"

#define SONDE_DEFAULT_MAX_PROBES 5000

struct lat_opts {
	struct target target;
	struct probe_spec *specs;
	size_t nr_specs;
	__u64 duration_ns, interval_ns;
	__u64 slower_than_ns;
	const char *output;   /* -o FILE */
	struct out_file *out; /* its temporary file, from before tracing to the end */
	const char *folded;   /* --folded FILE: the off-CPU stacks, or the slow calls by stack */
	struct out_file *folded_out;
	int argc;
	char **argv;
	struct run_meta *meta; /* for -o */
	struct resolve_opts resolve;
	const struct output_format *format; /* --json, --csv, --format */
	bool header_done;		    /* --csv: the run's header line is out */
	struct budget_set budgets;
	bool breached; /* a budget, in the final report */
	struct cmd_prom prom; /* --prometheus */
	bool prom_pid;	      /* --prometheus-pid */
	__u32 prom_pid_max;   /* --prometheus-pid-max; 0: the default */
	bool hist, sched, raw;
	bool tree;	/* --tree: call paths, in the final report */
	__u32 tree_max; /* --tree-max; 0: the default */
	bool offcpu_stacks; /* --offcpu-stacks */
};

static const char lat_usage_head[] =
    "usage: sonde lat [options] PROBE... TARGET\n"
    "\n"
    "PROBE is [OBJECT:]GLOB: 'handle_*', 'libc:malloc', 'libssl.so.3:SSL_*',\n"
    "'ns::Cache::get*'. OBJECT is a path or a library name as the target maps it.\n"
    "TARGET is -p PID (repeatable), -b BINARY, or -- CMD ARGS... (last).\n"
    "\n";

static const char lat_usage_tail[] =
    "\n"
    "With -- CMD, the probes go into the program the command runs: through a\n"
    "wrapper (taskset, env, nice, timeout, a script), the first it execs whose\n"
    "functions match every PROBE without an OBJECT.\n"
    "\n" SESSION_USAGE_STOPPING;

static int parse_max_probes(const struct cmd_opt *opt, const char *name, const char *val)
{
	size_t *max = opt->ptr;
	char *end;

	(void)name;
	errno = 0;
	*max = strtoul(val, &end, 10);
	/* Digits only: strtoul() takes "-5" as 2^64 - 5. */
	if (errno || *end || *val < '0' || *val > '9' || *max == 0)
		return sonde_fail(SONDE_EXIT_INPUT, "--max-probes '%s' is not a positive number",
				  val);
	return 0;
}

/* A PROBE: [OBJECT:]GLOB. */
static int add_spec(void *ctx, const char *arg)
{
	struct lat_opts *o = ctx;
	int err = cmd_add_probe_spec(&o->specs, &o->nr_specs, arg);

	if (err == -EINVAL)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "bad probe '%s' (expected [OBJECT:]GLOB, like libc:malloc)", arg);
	return err;
}

/* 0, 1 when --help was printed, or a sonde_fail() code. */
static int parse_lat_args(int argc, char **argv, struct lat_opts *o)
{
	const struct cmd_opt opts[] = {
	    CMD_OPT_RUN_DURATION(&o->duration_ns),
	    CMD_OPT_RUN_INTERVAL(&o->interval_ns),
	    CMD_OPT_FLAG("--hist", NULL, "add each function's latency histogram", &o->hist),
	    CMD_OPT_FLAG("--tree", NULL,
			 "also count calls by call path (the traced calls they were\n"
			 "made in): the final report adds the tree, with a bar per path",
			 &o->tree),
	    CMD_OPT_COUNT("--tree-max", "N",
			  "room for N call paths (default " CMD_OPT_STR(
			      SONDE_TREE_DEFAULT_PATHS) "); calls in paths past\n"
							"it: dropped, reason tree_full",
			  &o->tree_max, 1, SONDE_TREE_MAX_PATHS),
	    CMD_OPT_RUN_FORMAT(&o->format),
	    CMD_OPT_RUN_OUTPUT(&o->output),
	    CMD_OPT_DURATION("--slower-than", "D",
			     "print each call slower than D as it happens, with its stack",
			     &o->slower_than_ns),
	    CMD_OPT_FLAG("--offcpu-stacks", NULL,
			 "also take the user stack where a traced call leaves the CPU:\n"
			 "the final report adds each function's stacks by time off it\n"
			 "(blocked, waiting for a CPU)",
			 &o->offcpu_stacks),
	    CMD_OPT_STRING("--folded", NULL, "FILE",
			   "at the end, folded stacks (\"main;caller;function N\" lines):\n"
			   "the --slower-than calls counted by stack; with --tree the\n"
			   "call paths by self time in ns; with --offcpu-stacks the\n"
			   "off-CPU stacks by ns off the CPU",
			   &o->folded),
	    CMD_OPT_CLEAR("--no-sched",
			  "no on-CPU / run-queue / blocked split (no scheduler hooks)", &o->sched),
	    CMD_OPT_FLAG("--raw", NULL,
			 "keep the probes' own cost in the figures (by default it is\n"
			 "measured at start, as the run starts and every 5 s, and\n"
			 "subtracted from every call; the \u00b1ERR column, error_ns\n"
			 "in JSON, is its bound)",
			 &o->raw),
	    CMD_OPT_CLEAR("--no-site-choice",
			  "probe at each function's first instruction, even when the\n"
			  "kernel must single-step it (see sonde list)",
			  &o->resolve.site_choice),
	    CMD_OPT_CALLBACK("--returns", "HOW",
			     "how returns are seen: auto (default: return probes, or the\n"
			     "function's ret instructions in Go, C++ with exceptions and\n"
			     "JIT runtimes, where return probes break the program),\n"
			     "uretprobe, or insns",
			     cmd_opt_returns, &o->resolve.returns),
	    CMD_OPT_CALLBACK("--max-probes", "N",
			     "refuse to attach more than N functions (default " CMD_OPT_STR(
				 SONDE_DEFAULT_MAX_PROBES) ")",
			     parse_max_probes, &o->resolve.max_probes),
	    CMD_OPT_BUDGET(CMD_BUDGET_LAT, &o->budgets),
	    CMD_OPT_BUDGET_CRITICAL(&o->budgets.critical_pct),
	    CMD_OPT_PROMETHEUS(&o->prom.addr),
	    CMD_OPT_PROMETHEUS_BUCKETS(&o->prom.buckets),
	    CMD_OPT_PROMETHEUS_PID(&o->prom_pid),
	    CMD_OPT_PROMETHEUS_PID_MAX(&o->prom_pid_max),
	    CMD_OPT_TRACE_END,
	};
	const struct cmd_opts spec = {.cmd = "lat",
				      .opts = opts,
				      .usage_head = lat_usage_head,
				      .usage_tail = lat_usage_tail,
				      .help_width = 16,
				      .target = &o->target,
				      .arg = add_spec,
				      .ctx = o};
	int ret;

	/* lat's entry probe reads only rsp: site choice may skip argument writes. */
	o->resolve = (struct resolve_opts){.max_probes = SONDE_DEFAULT_MAX_PROBES,
					   .site_choice = true,
					   .returns = RETURN_MODE_AUTO};
	o->sched = true;
	o->format = cmd_format_default();
	o->budgets = (struct budget_set)BUDGET_SET_INIT;
	o->argc = argc;
	o->argv = argv;
	ret = cmd_opts_parse(&spec, argc, argv);
	if (ret)
		return ret;
	if (!o->nr_specs)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "no PROBE given (example: sonde lat 'handle_*' -p PID)");
	if (o->offcpu_stacks && !o->sched)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "--offcpu-stacks needs the scheduler hooks: drop --no-sched");
	if (o->prom.buckets.edges && !o->prom.addr)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "--prometheus-buckets needs --prometheus [ADDR:]PORT");
	if (o->prom_pid && !o->prom.addr)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "--prometheus-pid needs --prometheus [ADDR:]PORT");
	if (o->tree_max && !o->tree)
		return sonde_fail(SONDE_EXIT_INPUT, "--tree-max needs --tree");
	if (o->prom_pid_max && !o->prom_pid)
		return sonde_fail(SONDE_EXIT_INPUT, "--prometheus-pid-max needs --prometheus-pid");
	if (o->folded && !o->slower_than_ns && !o->tree && !o->offcpu_stacks)
		return sonde_fail(
		    SONDE_EXIT_INPUT,
		    "--folded needs --slower-than D, --tree or --offcpu-stacks: lat's folded stacks "
		    "are the slow calls', the call paths or the off-CPU stacks (sonde mem --folded "
		    "has live bytes by stack)");
	if (o->folded && (o->slower_than_ns != 0) + o->tree + o->offcpu_stacks > 1)
		return sonde_fail(
		    SONDE_EXIT_INPUT,
		    "--folded writes one source: --tree's call paths, --offcpu-stacks' stacks or "
		    "--slower-than's slow calls (drop all but one)");
	ret = cmd_format_check(o->format, PROFILE_LAT, false);
	return ret ? ret : budget_check_kind(&o->budgets, PROFILE_LAT, "sonde lat");
}

/* A report; the final one with its budgets. */
static int emit_report(struct lat_opts *o, struct lat_profile *p)
{
	struct report_opts ro = {
	    .hist = o->hist, .color = report_want_color(stdout), .header_done = &o->header_done};
	struct sonde_profile sp = {.kind = PROFILE_LAT, .lat = p};
	struct budget_eval e = {0};
	int err = 0;

	lat_profile_sort(p);
	if (p->final)
		err = cmd_budget_judge(&o->budgets, &sp, &e, &ro, &o->breached);
	if (!err)
		o->format->report[PROFILE_LAT](stdout, &sp, &ro);
	/* The tree follows the table in a terminal; JSON has it in the report. */
	if (!err && o->format == cmd_format_default())
		err = report_lat_tree_term(stdout, p, &ro);
	budget_eval_free(&e);
	return err;
}

/* --tree --folded: the call paths by self time. */
static int save_tree_folded(struct out_file *out, const struct lat_profile *p)
{
	struct folded f;
	int err;

	folded_init(&f, "ns");
	err = lat_tree_folded(p, &f);
	if (!err)
		err = folded_save(out, &f);
	folded_free(&f);
	return err;
}

/* Sorted copy of a cumulative snapshot (with its slices, when the run kept
 * them), or the interval since the last one. */
static int report_snapshot(struct lat_opts *o, const struct lat_profile *cur,
			   const struct lat_profile *prev, struct lat_slicer *slicer,
			   struct lat_tracer *lt, bool final)
{
	struct lat_profile *shown = lat_profile_new(cur->nr_funcs);
	int err = 0;

	if (!shown)
		return -ENOMEM;
	if (final) {
		lat_profile_copy(shown, cur);
		shown->final = true;
		if (o->tree && (err = lat_tracer__read_tree(lt, &shown->tree))) {
			lat_profile_free(shown);
			return sonde_fail(SONDE_EXIT_SYSTEM, "cannot read the call paths: %s",
					  strerror(-err));
		}
		/* In the tracer's order, as cur: before emit_report() sorts. */
		if (slicer && (err = lat_slicer_finish(slicer, cur, cur->duration_ns, shown))) {
			lat_profile_free(shown);
			return err;
		}
	} else {
		lat_profile_delta(shown, cur, prev);
	}
	err = emit_report(o, shown);
	if (final && o->out) {
		int saved = profile_save_lat(o->out, shown, o->meta);

		err = err ? err : saved;
	}
	if (final && o->tree && o->folded_out) {
		int saved = save_tree_folded(o->folded_out, shown);

		err = err ? err : saved;
	}
	lat_profile_free(shown);
	return err;
}

/* One lat run: what the run loop's callbacks read and print. */
struct lat_run {
	struct lat_opts *o;
	struct probe_set *set;
	struct lat_tracer *lt;
	struct lat_profile *cur, *prev;
	struct lat_pids pids; /* --prometheus-pid: read at each scrape */
	/* -o: the run's time slices, read every SLICE_TICK_NS; -i's reports then
	 * come at their own times (next_report_ns, since the start). */
	struct lat_slicer *slicer;
	__u64 next_report_ns;
	/* The run loop ticks every SLICE_TICK_NS (for the slices, or to name
	 * --offcpu-stacks' stacks while their processes live). */
	bool ticks;
};

/* How often a run that keeps slices looks whether one is due. */
#define SLICE_TICK_NS 100000000ULL

static int read_now(struct lat_run *r, const struct session *s)
{
	/* Before the read, which may wait for a calibration round (or take the
	 * closing one): the run's length is the time its calls were counted in. */
	__u64 duration_ns = now_ns() - s->start_ns;
	int err = lat_tracer__read(r->lt, r->cur);

	if (err)
		return sonde_fail(SONDE_EXIT_SYSTEM, "cannot read the BPF maps: %s",
				  strerror(-err));
	r->cur->duration_ns = duration_ns;
	return 0;
}

/* Read and print: an interval (the difference from `prev`), or the final report. */
static int report_now(struct lat_run *r, const struct session *s, bool final)
{
	int err = read_now(r, s);

	if (!err && final && (err = lat_tracer__read_offcpu(r->lt, r->cur)))
		err = sonde_fail(SONDE_EXIT_SYSTEM, "cannot read the off-CPU stacks: %s",
				 strerror(-err));
	return err ? err : report_snapshot(r->o, r->cur, r->prev, r->slicer, r->lt, final);
}

static int lat_started(void *ctx)
{
	struct lat_run *r = ctx;
	struct lat_opts *o = r->o;
	struct probe_set *set = r->set;
	int err;

	/* The kernel installed the command's probes at its exec, silently refusing any. */
	if (o->target.child_started &&
	    (err = probes_check_installed(set, o->target.pids[0], o->target.exe)))
		return err;
	probe_set_note_skipped(set);
	fprintf(stderr, "sonde: tracing %zu function%s (%zu links, %s)%s\n",
		probe_set_nr_probed(set), probe_set_nr_probed(set) == 1 ? "" : "s",
		lat_tracer__nr_links(r->lt), lat_tracer__multi(r->lt) ? "uprobe_multi" : "uprobes",
		o->duration_ns ? "" : "; Ctrl-C to stop");
	return 0;
}

static void lat_drain(void *ctx)
{
	struct lat_run *r = ctx;

	lat_tracer__drain(r->lt);
}

/* A slice is due: read, and close it. A read that costs more than a
 * twentieth of a slice makes the slices longer, so reading stays cheap. */
static int slice_tick(struct lat_run *r, const struct session *s)
{
	__u64 t0 = now_ns(), took;
	int err;

	if (!lat_slicer_due(r->slicer, t0 - s->start_ns))
		return 0;
	if ((err = read_now(r, s)))
		return err;
	took = now_ns() - t0;
	err = lat_slicer_tick(r->slicer, r->cur, r->cur->duration_ns);
	if (!err && took * 20 > r->slicer->width_ns)
		lat_slicer_widen(r->slicer);
	return err;
}

static int lat_interval(void *ctx, const struct session *s)
{
	struct lat_run *r = ctx;
	struct lat_profile *tmp;
	int err = 0;

	if (r->slicer && (err = slice_tick(r, s)))
		return err;
	if (r->o->offcpu_stacks && (err = lat_tracer__poll_offcpu(r->lt)))
		return sonde_fail(SONDE_EXIT_SYSTEM, "cannot read the off-CPU stacks: %s",
				  strerror(-err));
	if (r->ticks) {
		if (!r->o->interval_ns || now_ns() - s->start_ns < r->next_report_ns)
			return 0;
		r->next_report_ns += r->o->interval_ns;
	}
	err = report_now(r, s, false);
	if (err)
		return err;
	tmp = r->prev;
	r->prev = r->cur;
	r->cur = tmp;
	return 0;
}

/* A scrape: the totals now, into cur (each report and slice reads it afresh). */
static int lat_collect(void *ctx, struct prom_writer *w)
{
	struct lat_run *r = ctx;
	int err = lat_tracer__read(r->lt, r->cur);

	if (err || !r->o->prom_pid)
		return err ? err : prom_lat_write(w, r->cur, &r->o->prom.buckets);
	err = lat_tracer__read_pids(r->lt, &r->pids);
	return err ? err : prom_lat_write_pids(w, r->cur, &r->pids, &r->o->prom.buckets);
}

/*
 * --prometheus-pid: the table's room, in (function, process) entries, and a
 * word at start when the duration series alone would be more than
 * Prometheus handles well per target. -p says how many processes there
 * are; -b and -- CMD (which may fork) only bound them.
 */
static __u32 pid_table_entries(const struct lat_opts *o, const struct probe_set *set)
{
	const struct target *t = &o->target;
	bool by_pid = t->nr_pids && !t->binary && !t->cmd;
	__u64 room = o->prom_pid_max ? o->prom_pid_max : LAT_PID_DEFAULT_PROCS;
	__u64 nr = probe_set_nr_probed(set), procs;
	__u32 entries;

	if (!o->prom_pid)
		return 0;
	if (!o->prom_pid_max && by_pid && (__u64)t->nr_pids > room)
		room = (__u64)t->nr_pids;
	entries = lat_pids_entries((__u32)room, set->nr);
	if (entries < room * set->nr)
		sonde_say("--prometheus-pid: room for %u (function, process) pairs (%llu MiB); "
			  "calls past them count as dropped (pid_table)",
			  entries, LAT_PID_MAX_BYTES >> 20);
	procs = by_pid && (__u64)t->nr_pids < room ? (__u64)t->nr_pids : room;
	/* A histogram is at least 3 series (+Inf, _sum, _count), and one per bucket. */
	if (nr * procs * 3 > PROM_SERIES_WARN)
		sonde_say("--prometheus-pid: %s%llu processes x %llu function%s make %llu duration "
			  "histograms, over %llu series: more than Prometheus handles well per target "
			  "(%d); trace fewer functions, or lower --prometheus-pid-max",
			  by_pid ? "" : "up to ", procs, nr, nr == 1 ? "" : "s", nr * procs,
			  nr * procs * 3, PROM_SERIES_WARN);
	return entries;
}

/* --tree: path_ids' and path_stats' size, the ids below SONDE_PATH_FIRST included. */
static __u32 tree_paths(const struct lat_opts *o)
{
	if (!o->tree)
		return 0;
	return (o->tree_max ? o->tree_max : SONDE_TREE_DEFAULT_PATHS) + SONDE_PATH_FIRST;
}

/* A slow call's stack, ending in the function. */
static int fold_slow(void *ctx, const char *function, const char *const *frames, size_t nr,
		     __u64 count)
{
	return folded_add_symbolized(ctx, frames, nr, function, count);
}

static int lat_finish(void *ctx, const struct session *s)
{
	struct lat_run *r = ctx;
	struct folded f;
	int err;

	lat_tracer__end(r->lt);
	err = report_now(r, s, true);

	/* --tree's folded stacks are the final report's call paths (report_snapshot()). */
	if (err || !r->o->folded_out || r->o->tree)
		return err;
	/* One weight per file: with --offcpu-stacks, the off-CPU stacks (read into cur). */
	folded_init(&f, r->o->offcpu_stacks ? "ns" : "calls");
	if (r->o->offcpu_stacks)
		err = lat_offcpu_folded_add(&f, r->cur);
	else
		err = slow_printer__each_stack(lat_tracer__slow(r->lt), fold_slow, &f);
	if (!err)
		err = folded_save(r->o->folded_out, &f);
	folded_free(&f);
	return err;
}

static int trace(struct lat_opts *o, struct probe_set *set)
{
	struct lat_tracer_opts topts = {.sched = o->sched,
					.slower_than_ns = o->slower_than_ns,
					.json = o->format->json_records,
					.raw = o->raw,
					.pid_entries = pid_table_entries(o, set),
					.offcpu_stacks = o->offcpu_stacks,
					.slow_stacks = o->folded && !o->tree && !o->offcpu_stacks,
					.max_paths = tree_paths(o)};
	struct lat_run r = {.o = o, .set = set};
	struct run_opts ro = {.target = &o->target,
			      .duration_ns = o->duration_ns,
			      .interval_ns = o->interval_ns,
			      .prom = o->prom.server};
	struct tracer tr = {.ctx = &r,
			    .stop_on_closed_stdout = true,
			    .started = lat_started,
			    .drain = lat_drain,
			    .interval = lat_interval,
			    .finish = lat_finish};
	int err;

	err = lat_tracer__open(&topts, set, &o->target, &r.lt);
	if (err)
		return err;
	if ((err = cmd_check_target_alive(&o->target)))
		goto cleanup;
	r.cur = lat_profile_new(set->nr);
	r.prev = lat_profile_new(set->nr);
	if (!r.cur || !r.prev) {
		err = -ENOMEM;
		goto cleanup;
	}
	r.cur->main_object = r.prev->main_object = object_shown_path(o->target.exe);
	/* A profile file keeps the run's slices: the evidence sonde diff weighs a
	 * single run by. The run loop then ticks for them, and for -i in between. */
	if (o->out && !(r.slicer = lat_slicer_new(set->nr))) {
		err = -ENOMEM;
		goto cleanup;
	}
	if ((r.ticks = o->out || o->offcpu_stacks)) {
		ro.interval_ns = SLICE_TICK_NS;
		r.next_report_ns = o->interval_ns;
	}
	o->meta = run_meta_collect(&o->target, set, o->argc, o->argv);
	if (!o->meta) {
		err = -ENOMEM;
		goto cleanup;
	}
	tr.events_fd = lat_tracer__events_fd(r.lt);
	cmd_prom_serve(&o->prom, lat_collect, &r);
	err = run_loop(&ro, &tr);
cleanup:
	lat_tracer__close(r.lt);
	run_meta_free(o->meta);
	o->meta = NULL;
	lat_profile_free(r.cur);
	lat_profile_free(r.prev);
	lat_pids_free(&r.pids);
	lat_slicer_free(r.slicer);
	return err;
}

int cmd_lat(int argc, char **argv)
{
	struct probe_set set = {0};
	struct main_match mm;
	struct lat_opts o = {0};
	size_t i;
	int err;

	target_init(&o.target);
	cmd_prom_init(&o.prom);
	err = parse_lat_args(argc, argv, &o);
	if (err)
		goto cleanup; /* 1: --help was printed, exit status 0 */
	o.target.main_match = main_match_init(&mm, o.specs, o.nr_specs);
	err = cmd_trace_prepare("lat", o.output, &o.out, &o.target);
	if (!err && o.folded) /* before tracing, as -o */
		err = out_file_open(o.folded, &o.folded_out);
	if (!err)
		err = cmd_prom_open(&o.prom);
	if (err)
		goto cleanup;
	err = probes_resolve(&o.target, o.specs, o.nr_specs, &o.resolve, &set);
	if (!err)
		err = budget_check_probes(&o.budgets, &set);
	if (err)
		goto cleanup;
	err = trace(&o, &set);
cleanup:
	probe_set_free(&set);
	for (i = 0; i < o.nr_specs; i++)
		probe_spec_free(&o.specs[i]);
	free(o.specs);
	budget_set_free(&o.budgets);
	cmd_prom_free(&o.prom);
	out_file_close(o.folded_out);
	return cmd_budget_exit(cmd_trace_end(err, &o.target, o.out), o.breached);
}
