// SPDX-License-Identifier: GPL-2.0
/*
 * sonde mem: memory growth of live processes. Load mem.bpf.c on the target's
 * allocator, sample every stack's live bytes on a steady tick, and report on
 * each interval and at the end: growth rates by least squares over the
 * samples, leak suspects, allocations older than --min-age.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"
#include "cmd/cmd_budget.h"
#include "cmd/cmd_format.h"
#include "cmd/cmd_opts.h"
#include "cmd/cmd_prom.h"
#include "out/mem_folded.h"
#include "out/profile_file.h"
#include "out/prom_mem.h"
#include "mem/mem_tracer.h"
#include "out/out_file.h"
#include "cmd/run_loop.h"
#include "core/util.h"

/* Plain numbers: --help prints them (CMD_OPT_STR). */
#define MEM_DEFAULT_MAX_ALLOCS	1000000
#define MEM_DEFAULT_MAX_STACKS	16384
#define MEM_DEFAULT_STACK_DEPTH 32
#define MEM_DEFAULT_MIN_AGE_NS	1000000000ULL
#define MEM_DEFAULT_TOP		10
/* Live bytes are sampled at least this often, -i or not: growth needs points. */
#define MEM_SAMPLE_NS 500000000ULL

struct mem_opts {
	struct target target;
	struct mem_tracer_opts tracer;
	__u64 duration_ns, interval_ns, min_age_ns;
	__u32 top;
	struct budget_set budgets;
	bool breached;			    /* a budget, in the final report */
	const struct output_format *format; /* --json, --csv, --format */
	const char *output;		    /* -o FILE */
	struct out_file *out;		    /* its temporary file, from before tracing to the end */
	const char *folded, *folded_alloc;  /* --folded FILE, --folded-alloc FILE */
	struct out_file *folded_out, *folded_alloc_out;
	int argc;
	char **argv;
	struct cmd_prom prom; /* --prometheus */
};

static const char mem_usage_head[] =
    "usage: sonde mem [options] TARGET\n"
    "\n"
    "Tracks the allocator the target calls (its own, a linked jemalloc or\n"
    "tcmalloc, libc: malloc, calloc, realloc, reallocarray, free,\n"
    "posix_memalign, aligned_alloc, memalign, valloc, pvalloc, and C++'s new\n"
    "and delete where it defines them), anonymous mmap/munmap/mremap, brk and\n"
    "RSS of the target, and reports which call stacks hold growing amounts of\n"
    "memory.\n"
    "TARGET is -p PID (repeatable), -b BINARY, or -- CMD ARGS... (last).\n"
    "\n";

static int parse_big(const struct cmd_opt *opt, const char *name, const char *val)
{
	__u64 *bytes = opt->ptr;

	(void)name;
	if (mem_parse_size(val, bytes) || !*bytes)
		return sonde_fail(SONDE_EXIT_INPUT, "--big '%s' is not a size (try: 4096, 64k, 1M)",
				  val);
	return 0;
}

static int no_probe(void *ctx, const char *arg)
{
	(void)ctx;
	return sonde_fail(SONDE_EXIT_INPUT,
			  "unexpected argument '%s': sonde mem takes no PROBE (the allocator is "
			  "chosen with --allocator OBJECT)",
			  arg);
}

/* 0, 1 when --help was printed, or a sonde_fail() code. */
static int parse_mem_args(int argc, char **argv, struct mem_opts *o)
{
	struct mem_tracer_opts *t = &o->tracer;
	const struct cmd_opt opts[] = {
	    CMD_OPT_RUN_DURATION(&o->duration_ns),
	    CMD_OPT_RUN_INTERVAL(&o->interval_ns),
	    CMD_OPT_RUN_FORMAT(&o->format),
	    CMD_OPT_RUN_OUTPUT(&o->output),
	    CMD_OPT_STRING("--folded", NULL, "FILE",
			   "at the end, live bytes by stack as folded stacks\n"
			   "(\"main;fn;leaf BYTES\" lines, for flame graph tools)",
			   &o->folded),
	    CMD_OPT_STRING("--folded-alloc", NULL, "FILE",
			   "the same of the bytes each stack allocated over the run",
			   &o->folded_alloc),
	    CMD_OPT_STRING("--allocator", NULL, "OBJ",
			   "the library (or binary) defining malloc (default: the one\n"
			   "the process calls: its own, a linked jemalloc, libc, ...)",
			   &t->allocator),
	    CMD_OPT_DURATION("--min-age", "D",
			     "final report: live allocations older than D (default 1s)",
			     &o->min_age_ns),
	    CMD_OPT_COUNT(
		"--top", "N",
		"stacks shown, by growth of live bytes (default " CMD_OPT_STR(MEM_DEFAULT_TOP) ")",
		&o->top, 1, 100000),
	    CMD_OPT_COUNT(
		"--stack-depth", "N",
		"frames kept per stack, 1.." CMD_OPT_STR(
		    SONDE_MEM_MAX_STACK_DEPTH) " (default " CMD_OPT_STR(MEM_DEFAULT_STACK_DEPTH) ")",
		&t->stack_depth, 1, SONDE_MEM_MAX_STACK_DEPTH),
	    CMD_OPT_COUNT("--max-allocs", "N",
			  "live allocations tracked at once (default " CMD_OPT_STR(
			      MEM_DEFAULT_MAX_ALLOCS) ")",
			  &t->max_allocs, 1, 1U << 28),
	    CMD_OPT_COUNT(
		"--max-stacks", "N",
		"distinct stacks tracked (default " CMD_OPT_STR(MEM_DEFAULT_MAX_STACKS) ")",
		&t->max_stacks, 1, 1U << 22),
	    CMD_OPT_CALLBACK("--big", "SIZE",
			     "print each allocation of SIZE or more (64k, 1M) as it happens",
			     parse_big, &t->big_bytes),
	    CMD_OPT_COUNT("--sample", "N", "print every N-th allocation as it happens",
			  &t->sample_every, 1, 1ULL << 32),
	    CMD_OPT_BUDGET(CMD_BUDGET_MEM, &o->budgets),
	    CMD_OPT_BUDGET_CRITICAL(&o->budgets.critical_pct),
	    CMD_OPT_PROMETHEUS(&o->prom.addr),
	    CMD_OPT_TRACE_END,
	};
	const struct cmd_opts spec = {.cmd = "mem",
				      .opts = opts,
				      .usage_head = mem_usage_head,
				      .usage_tail = "\n" SESSION_USAGE_STOPPING,
				      .help_width = 20,
				      .target = &o->target,
				      .arg = no_probe};
	int ret;

	t->max_allocs = MEM_DEFAULT_MAX_ALLOCS;
	t->max_stacks = MEM_DEFAULT_MAX_STACKS;
	t->stack_depth = MEM_DEFAULT_STACK_DEPTH;
	o->min_age_ns = MEM_DEFAULT_MIN_AGE_NS;
	o->top = MEM_DEFAULT_TOP;
	o->format = cmd_format_default();
	o->budgets = (struct budget_set)BUDGET_SET_INIT;
	o->argc = argc;
	o->argv = argv;
	ret = cmd_opts_parse(&spec, argc, argv);
	t->json = o->format->json_records;
	if (!ret)
		ret = cmd_format_check(o->format, PROFILE_MEM, false);
	return ret ? ret : budget_check_kind(&o->budgets, PROFILE_MEM, "sonde mem");
}

struct run {
	struct mem_opts *o;
	struct mem_tracer *mt;
	struct mem_profile *p;
	unsigned int ticks, ticks_per_report; /* an interval report every ticks_per_report */
	__u64 last_report_ns;
	__u64 last_counts[SONDE_MC__COUNT];
	bool header_done; /* --csv: the run's header line is out */
};

/* Read the totals and add a sample at the current time. */
static int sample_now(struct run *r, const struct session *s, bool force)
{
	int err = mem_tracer__read(r->mt, r->p);

	if (err)
		return sonde_fail(SONDE_EXIT_SYSTEM, "cannot read the BPF maps: %s",
				  strerror(-err));
	r->p->duration_ns = now_ns() - s->start_ns;
	mem_profile_sample(r->p, r->p->duration_ns, force);
	mem_profile_update_growth(r->p);
	return 0;
}

/* A report; the final one with its budgets. */
static int report(struct run *r, bool final)
{
	struct report_opts ro = {.color = report_want_color(stdout), .header_done = &r->header_done};
	struct sonde_profile sp = {.kind = PROFILE_MEM, .mem = r->p, .mem_top = r->o->top};
	struct budget_eval e = {0};
	int i, err = 0;

	r->p->final = final;
	r->p->interval_ns = r->p->duration_ns - r->last_report_ns;
	for (i = 0; i < SONDE_MC__COUNT; i++)
		r->p->interval_counts[i] = r->p->counts[i] - r->last_counts[i];
	if (final)
		err = cmd_budget_judge(&r->o->budgets, &sp, &e, &ro, &r->o->breached);
	if (!err)
		r->o->format->report[PROFILE_MEM](stdout, &sp, &ro);
	budget_eval_free(&e);
	r->last_report_ns = r->p->duration_ns;
	memcpy(r->last_counts, r->p->counts, sizeof(r->last_counts));
	return err;
}

/* The sampling tick: INTERVAL split evenly into steps of at most MEM_SAMPLE_NS. */
static __u64 tick_ns(__u64 interval_ns, unsigned int *ticks_per_report)
{
	__u64 k = interval_ns ? (interval_ns + MEM_SAMPLE_NS - 1) / MEM_SAMPLE_NS : 0;

	*ticks_per_report = (unsigned int)k;
	return k ? interval_ns / k : MEM_SAMPLE_NS;
}

static void say_tracing(const struct run *r)
{
	const struct allocator *a = mem_tracer__allocator(r->mt);
	const struct target *t = &r->o->target;
	const char *stop = r->o->duration_ns ? "" : "; Ctrl-C to stop";

	/* The allocator's path is the process's (/proc/PID/maps): sonde_say() escapes it. */
	if (a->found)
		sonde_say("allocator: %s (%s)", a->name, mem_tracer__allocator_path(r->mt));
	if (a->unseen[0])
		sonde_say("note: %s", a->unseen);
	if (!a->found) {
		sonde_say("tracing mmap/munmap/mremap/brk and RSS%s", stop);
		return;
	}
	sonde_say("tracing %zu allocator functions in %s (%zu links, %s), mmap/munmap/"
		  "mremap/brk and RSS%s",
		  mem_tracer__nr_functions(r->mt), mem_tracer__allocator_path(r->mt),
		  mem_tracer__nr_links(r->mt),
		  mem_tracer__multi(r->mt) ? "uprobe_multi" : "uprobes", stop);
	if (t->binary)
		sonde_say("note: with -b the allocator probes are in every process that maps "
			  "%s, and all of them pay for each hit; -p PID limits that to one",
			  mem_tracer__allocator_path(r->mt));
	if (t->nr_pids && !t->child_started)
		sonde_info("memory allocated before now is not counted; its frees are "
			   "(free_untracked)");
}

/* What the report says of the allocator: which one, or what is not seen. */
static void describe_allocator(struct mem_profile *p, const struct mem_tracer *mt)
{
	const struct allocator *a = mem_tracer__allocator(mt);

	if (a->found) {
		snprintf(p->allocator, sizeof(p->allocator), "%s", a->name);
		snprintf(p->allocator_path, sizeof(p->allocator_path), "%s",
			 mem_tracer__allocator_path(mt));
	}
	snprintf(p->unseen, sizeof(p->unseen), "%s", a->unseen);
}

static int write_profile(struct mem_opts *o, const struct mem_profile *p,
			 const struct mem_tracer *mt)
{
	struct run_meta *m = run_meta_collect(&o->target, NULL, o->argc, o->argv);
	int err;

	if (!m)
		return -ENOMEM;
	run_meta_add_object(m, o->target.exe);
	if (mem_tracer__allocator_path(mt))
		run_meta_add_object(m, mem_tracer__allocator_path(mt));
	err = profile_save_mem(o->out, p, o->top, m);
	run_meta_free(m);
	return err;
}

/* --folded, --folded-alloc: the final profile's stacks, in bytes. */
static int write_folded(struct out_file *out, const struct mem_profile *p,
			enum mem_folded_weight weight)
{
	struct folded f;
	int err;

	if (!out)
		return 0;
	folded_init(&f, "bytes");
	err = mem_folded_add(&f, p, weight);
	if (!err)
		err = folded_save(out, &f);
	folded_free(&f);
	return err;
}

static void mem_drain(void *ctx)
{
	struct run *r = ctx;

	mem_tracer__drain(r->mt);
}

/* Each tick: a sample; each INTERVAL: a report too. */
static int mem_interval(void *ctx, const struct session *s)
{
	struct run *r = ctx;
	int err = sample_now(r, s, false);

	if (err)
		return err;
	if (r->ticks_per_report && ++r->ticks % r->ticks_per_report == 0)
		report(r, false);
	return 0;
}

/* A scrape: the latest sample (at most one tick old); reading every stack
 * again per scrape would cost more than the metrics are worth. */
static int mem_collect(void *ctx, struct prom_writer *w)
{
	struct run *r = ctx;

	return prom_mem_write(w, r->p, r->o->top);
}

static int mem_finish(void *ctx, const struct session *s)
{
	struct run *r = ctx;
	struct mem_opts *o = r->o;
	int err;

	/* A leak freed in the last samples was freed at exit, or as the run ended. */
	r->p->target_exited = target_all_exited(&o->target);
	err = sample_now(r, s, true);
	if (!err && (err = mem_tracer__scan_ages(r->mt, r->p, o->min_age_ns)))
		err = sonde_fail(SONDE_EXIT_SYSTEM, "cannot read the live allocations: %s",
				 strerror(-err));
	if (!err)
		err = report(r, true);
	if (!err && o->out)
		err = write_profile(o, r->p, r->mt);
	if (!err)
		err = write_folded(o->folded_out, r->p, MEM_FOLDED_LIVE);
	if (!err)
		err = write_folded(o->folded_alloc_out, r->p, MEM_FOLDED_ALLOC);
	sonde_info("BPF maps use %.1f MiB", mem_tracer__map_bytes(r->mt) / 1048576.0);
	return err;
}

static int trace(struct mem_opts *o)
{
	struct run r = {.o = o};
	struct run_opts ro = {
	    .target = &o->target, .duration_ns = o->duration_ns, .prom = o->prom.server};
	struct tracer tr = {
	    .ctx = &r, .drain = mem_drain, .interval = mem_interval, .finish = mem_finish};
	int err;

	err = mem_tracer__open(&o->tracer, &o->target, &r.mt);
	if (err)
		return err;
	if ((err = cmd_check_target_alive(&o->target)))
		goto cleanup;
	r.p = mem_profile_new(MEM_PROFILE_DEFAULT_SAMPLES);
	if (!r.p) {
		err = -ENOMEM;
		goto cleanup;
	}
	describe_allocator(r.p, r.mt);
	/* The first point of every series: nothing traced is live yet. */
	mem_profile_sample(r.p, 0, true);
	say_tracing(&r);
	ro.interval_ns = tick_ns(o->interval_ns, &r.ticks_per_report);
	tr.events_fd = mem_tracer__events_fd(r.mt);
	cmd_prom_serve(&o->prom, mem_collect, &r);
	err = run_loop(&ro, &tr);
cleanup:
	mem_tracer__close(r.mt);
	mem_profile_free(r.p);
	return err;
}

int cmd_mem(int argc, char **argv)
{
	struct mem_opts o = {0};
	int err;

	target_init(&o.target);
	cmd_prom_init(&o.prom);
	err = parse_mem_args(argc, argv, &o);
	if (err)
		goto cleanup; /* 1: --help was printed, exit status 0 */
	err = cmd_trace_prepare("mem", o.output, &o.out, &o.target);
	/* Fail before tracing, not after it, when a file cannot be written. */
	if (!err && o.folded)
		err = out_file_open(o.folded, &o.folded_out);
	if (!err && o.folded_alloc)
		err = out_file_open(o.folded_alloc, &o.folded_alloc_out);
	if (!err)
		err = cmd_prom_open(&o.prom);
	if (!err)
		err = trace(&o);
cleanup:
	budget_set_free(&o.budgets);
	cmd_prom_free(&o.prom);
	out_file_close(o.folded_out);
	out_file_close(o.folded_alloc_out);
	return cmd_budget_exit(cmd_trace_end(err, &o.target, o.out), o.breached);
}
