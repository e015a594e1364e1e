// SPDX-License-Identifier: GPL-2.0
/*
 * sonde mem: memory growth of live processes. Load mem.bpf.c on the target's
 * allocator, sample every stack's live bytes on a steady tick, and report on
 * each interval and at the end: growth rates by least squares over the
 * samples, leak suspects, allocations older than --min-age.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cmd.h"
#include "mem_report.h"
#include "profile_file.h"
#include "mem_tracer.h"
#include "out_file.h"
#include "report.h"
#include "safe_text.h"
#include "session.h"
#include "util.h"

#define MEM_DEFAULT_MAX_ALLOCS	1000000U
#define MEM_DEFAULT_MAX_STACKS	16384U
#define MEM_DEFAULT_STACK_DEPTH 32U
#define MEM_DEFAULT_MIN_AGE_NS	1000000000ULL
#define MEM_DEFAULT_TOP		10U
/* Live bytes are sampled at least this often, -i or not: growth needs points. */
#define MEM_SAMPLE_NS 500000000ULL

struct mem_opts {
	struct target target;
	struct mem_tracer_opts tracer;
	__u64 duration_ns, interval_ns, min_age_ns;
	size_t top;
	bool json;
	const char *output;   /* -o FILE */
	struct out_file *out; /* its temporary file, from before tracing to the end */
	int argc;
	char **argv;
};

static void mem_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: sonde mem [options] TARGET\n"
	    "\n"
	    "Tracks the allocator the target calls (its own, a linked jemalloc or\n"
	    "tcmalloc, libc: malloc, calloc, realloc, reallocarray, free,\n"
	    "posix_memalign, aligned_alloc, memalign, valloc, pvalloc, and C++'s new\n"
	    "and delete where it defines them), anonymous mmap/munmap/mremap, brk and\n"
	    "RSS of the target, and reports which call stacks hold growing amounts of\n"
	    "memory.\n"
	    "TARGET is -p PID (repeatable), -b BINARY, or -- CMD ARGS... (last).\n"
	    "\n"
	    "  -d DURATION        stop after DURATION (500ms, 30s, 2m); default: Ctrl-C\n"
	    "  -i INTERVAL        print a report every INTERVAL\n"
	    "  --json             one JSON object per report, one per line\n"
	    "  -o FILE            also write the run's profile (FILE.gz: compressed), for\n"
	    "                     sonde report and sonde diff\n"
	    "  --allocator OBJ    the library (or binary) defining malloc (default: the one\n"
	    "                     the process calls: its own, a linked jemalloc, libc, ...)\n"
	    "  --min-age D        final report: live allocations older than D (default 1s)\n"
	    "  --top N            stacks shown, by growth of live bytes (default %u)\n"
	    "  --stack-depth N    frames kept per stack, 1..%d (default %u)\n"
	    "  --max-allocs N     live allocations tracked at once (default %u)\n"
	    "  --max-stacks N     distinct stacks tracked (default %u)\n"
	    "  --big SIZE         print each allocation of SIZE or more (64k, 1M) as it happens\n"
	    "  --sample N         print every N-th allocation as it happens\n"
	    "  --ns PID           look up -b and OBJECT paths as process PID sees them (its\n"
	    "                     mount namespace: a container), through /proc/PID/root\n"
	    "  -v                 say what is skipped and why; libbpf's messages\n"
	    "\n" SESSION_USAGE_STOPPING,
	    MEM_DEFAULT_TOP, SONDE_MEM_MAX_STACK_DEPTH, MEM_DEFAULT_STACK_DEPTH,
	    MEM_DEFAULT_MAX_ALLOCS, MEM_DEFAULT_MAX_STACKS);
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
		return sonde_fail(SONDE_EXIT_INPUT, "%s needs a value (try: sonde mem --help)",
				  argv[*i]);
	*val = argv[++*i];
	return 0;
}

static int parse_count(const char *opt, const char *val, __u64 min, __u64 max, __u64 *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (errno || *end || *val < '0' || *val > '9' || v < min || v > max)
		return sonde_fail(SONDE_EXIT_INPUT, "%s '%s' is not a number from %llu to %llu",
				  opt, val, (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

static int parse_option(struct mem_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *val = NULL;
	__u64 n = 0;
	int ret;

	if ((ret = option_value(argc, argv, i, &val)))
		return ret;
	if (!strcmp(a, "-d") || !strcmp(a, "-i") || !strcmp(a, "--min-age")) {
		__u64 *ns = a[1] == 'd'	  ? &o->duration_ns
			    : a[1] == 'i' ? &o->interval_ns
					  : &o->min_age_ns;

		if (parse_duration_ns(val, ns) || *ns == 0)
			return sonde_fail(SONDE_EXIT_INPUT,
					  "%s '%s' is not a duration (try: 500ms, 30s, 2m)", a,
					  val);
	} else if (!strcmp(a, "--allocator")) {
		o->tracer.allocator = val;
	} else if (!strcmp(a, "--big")) {
		if (mem_parse_size(val, &o->tracer.big_bytes) || !o->tracer.big_bytes)
			return sonde_fail(SONDE_EXIT_INPUT,
					  "--big '%s' is not a size (try: 4096, 64k, 1M)", val);
	} else if (!strcmp(a, "--sample")) {
		return parse_count(a, val, 1, 1ULL << 32, &o->tracer.sample_every);
	} else if (!strcmp(a, "--top")) {
		ret = parse_count(a, val, 1, 100000, &n);
		o->top = (size_t)n;
	} else if (!strcmp(a, "--stack-depth")) {
		ret = parse_count(a, val, 1, SONDE_MEM_MAX_STACK_DEPTH, &n);
		o->tracer.stack_depth = (__u32)n;
	} else if (!strcmp(a, "--max-allocs")) {
		ret = parse_count(a, val, 1, 1U << 28, &n);
		o->tracer.max_allocs = (__u32)n;
	} else if (!strcmp(a, "--max-stacks")) {
		ret = parse_count(a, val, 1, 1U << 22, &n);
		o->tracer.max_stacks = (__u32)n;
	}
	return ret;
}

static bool takes_value(const char *a)
{
	static const char *const opts[] = {
	    "-d",	"-i",	 "--min-age",	  "--allocator",  "--big",
	    "--sample", "--top", "--stack-depth", "--max-allocs", "--max-stacks"};
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (!strcmp(a, opts[i]))
			return true;
	return false;
}

static int parse_mem_args(int argc, char **argv, struct mem_opts *o)
{
	int i, ret;

	o->tracer.max_allocs = MEM_DEFAULT_MAX_ALLOCS;
	o->tracer.max_stacks = MEM_DEFAULT_MAX_STACKS;
	o->tracer.stack_depth = MEM_DEFAULT_STACK_DEPTH;
	o->min_age_ns = MEM_DEFAULT_MIN_AGE_NS;
	o->top = MEM_DEFAULT_TOP;
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
			mem_usage(stdout);
			exit(SONDE_EXIT_OK);
		} else if (takes_value(a)) {
			if ((ret = parse_option(o, argc, argv, &i)))
				return ret;
		} else if (!strcmp(a, "--json")) {
			o->json = o->tracer.json = true;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (i + 1 >= argc)
				return sonde_fail(SONDE_EXIT_INPUT, "%s needs a value", a);
			o->output = argv[++i];
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			sonde_verbose = true;
		} else if (a[0] == '-' && a[1]) {
			return sonde_fail(SONDE_EXIT_INPUT,
					  "unknown option '%s' (try: sonde mem --help)", a);
		} else {
			return sonde_fail(SONDE_EXIT_INPUT,
					  "unexpected argument '%s': sonde mem takes no PROBE (the "
					  "allocator is chosen with --allocator OBJECT)",
					  a);
		}
	}
	return 0;
}

struct run {
	struct mem_opts *o;
	struct mem_tracer *mt;
	struct mem_profile *p;
	struct session s;
	__u64 last_report_ns;
	__u64 last_counts[SONDE_MC__COUNT];
};

/* Read the totals and add a sample at the current time. */
static int sample_now(struct run *r, bool force)
{
	int err = mem_tracer__read(r->mt, r->p);

	if (err)
		return sonde_fail(SONDE_EXIT_SYSTEM, "cannot read the BPF maps: %s",
				  strerror(-err));
	r->p->duration_ns = now_ns() - r->s.start_ns;
	mem_profile_sample(r->p, r->p->duration_ns, force);
	mem_profile_update_growth(r->p);
	return 0;
}

static void report(struct run *r, bool final)
{
	struct mem_report_opts ro = {.color = report_want_color(stdout), .top = r->o->top};
	int i;

	r->p->final = final;
	r->p->interval_ns = r->p->duration_ns - r->last_report_ns;
	for (i = 0; i < SONDE_MC__COUNT; i++)
		r->p->interval_counts[i] = r->p->counts[i] - r->last_counts[i];
	if (r->o->json)
		mem_report_json(stdout, r->p, &ro);
	else
		mem_report_term(stdout, r->p, &ro);
	r->last_report_ns = r->p->duration_ns;
	memcpy(r->last_counts, r->p->counts, sizeof(r->last_counts));
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

static int trace(struct mem_opts *o)
{
	struct run r = {.o = o};
	unsigned int per_report, ticks = 0;
	enum session_event ev;
	__u64 tick;
	int err;

	err = mem_tracer__open(&o->tracer, &o->target, &r.mt);
	if (err)
		return err;
	if (target_all_exited(&o->target)) {
		err = sonde_fail(SONDE_EXIT_SYSTEM,
				 "the target exited while probes were being attached");
		goto cleanup;
	}
	r.p = mem_profile_new(MEM_PROFILE_DEFAULT_SAMPLES);
	if (!r.p) {
		err = -ENOMEM;
		goto cleanup;
	}
	describe_allocator(r.p, r.mt);
	/* The first point of every series: nothing traced is live yet. */
	mem_profile_sample(r.p, 0, true);
	say_tracing(&r);
	tick = tick_ns(o->interval_ns, &per_report);
	session_install_signals();
	session_start(&r.s, o->duration_ns, tick, mem_tracer__events_fd(r.mt));
	err = target_release(&o->target);
	if (err) {
		err = sonde_fail(SONDE_EXIT_SYSTEM, "cannot start the command: %s", strerror(-err));
		goto cleanup;
	}
	while ((ev = session_wait(&r.s, &o->target)) == SESSION_INTERVAL || ev == SESSION_EVENTS) {
		mem_tracer__drain(r.mt);
		if (ev != SESSION_INTERVAL)
			continue;
		err = sample_now(&r, false);
		if (err)
			goto cleanup;
		if (per_report && ++ticks % per_report == 0)
			report(&r, false);
	}
	if (ev == SESSION_TARGET_EXIT)
		sonde_info("the target exited; final report");
	else
		target_stop_cmd(&o->target, session_hurried);
	/* Read everything before detaching: what was measured is never lost. */
	mem_tracer__drain(r.mt);
	/* A leak freed in the last samples was freed at exit, or as the run ended. */
	r.p->target_exited = target_all_exited(&o->target);
	err = sample_now(&r, true);
	if (!err && (err = mem_tracer__scan_ages(r.mt, r.p, o->min_age_ns)))
		err = sonde_fail(SONDE_EXIT_SYSTEM, "cannot read the live allocations: %s",
				 strerror(-err));
	if (!err)
		report(&r, true);
	if (!err && o->out)
		err = write_profile(o, r.p, r.mt);
	sonde_info("BPF maps use %.1f MiB", mem_tracer__map_bytes(r.mt) / 1048576.0);
cleanup:
	mem_tracer__close(r.mt);
	mem_profile_free(r.p);
	return err;
}

int cmd_mem(int argc, char **argv)
{
	struct mem_opts o = {0};
	int err, ended = 0;

	target_init(&o.target);
	err = parse_mem_args(argc, argv, &o);
	if (err)
		goto cleanup;
	if (geteuid() != 0) {
		err = sonde_fail(
		    SONDE_EXIT_SYSTEM,
		    "tracing needs root (CAP_BPF and CAP_PERFMON); run: sudo sonde mem ...");
		goto cleanup;
	}
	/* Fail before tracing, not after a long run, when -o cannot be written. */
	if (o.output && (err = out_file_open(o.output, &o.out)))
		goto cleanup;
	libbpf_set_print(libbpf_print_verbose);
	err = target_prepare(&o.target);
	if (!err)
		err = trace(&o);
	/* After the final report: how the target ended; exit 3 when a signal killed it. */
	if (!err)
		ended = target_report_end(&o.target);
cleanup:
	out_file_close(o.out);
	target_free(&o.target);
	return err ? exit_status_of(err) : ended;
}
