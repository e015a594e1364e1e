// SPDX-License-Identifier: GPL-2.0
/*
 * sonde ab PROBE... -- BASE_CMD ::: NEW_CMD: the two commands run alternately
 * (base, new, base, new, ...) N times each, every run traced alike, then the
 * runs diffed as sonde diff does. Alternating puts the machine's drift (other
 * tenants, CPU frequency, caches) on both sides alike, where the verdict sees
 * it as noise between runs rather than as a change.
 *
 * Each run is this very binary as a child, `sonde lat ... --json -o
 * DIR/base-K.sonde -- BASE_CMD`: one way of tracing, not a second one, and
 * whatever a run leaves (probes, a held command) ends with its process.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cmd/ab_child.h"
#include "cmd/cmd.h"
#include "cmd/cmd_diff.h"
#include "cmd/cmd_opts.h"
#include "out/out_file.h"
#include "probe/glob.h"
#include "probe/probes.h"
#include "core/util.h"

#define AB_DEFAULT_RUNS 5
#define AB_MAX_RUNS	1000
/* A run's own "sonde: " lines kept for the end of the run; the last is always kept. */
#define AB_MAX_HELD 32

enum ab_side { AB_BASE, AB_NEW };
static const char *const side_name[] = {"base", "new"};

struct ab_args {
	struct diff_show show;
	__u32 runs;
	const char *dir;  /* -o DIR; NULL: a temporary directory, removed at the end */
	const char **lat; /* each run's sonde lat words: the lat options and PROBEs given */
	size_t nr_lat, nr_probes;
	char **cmd[2]; /* BASE_CMD and NEW_CMD: words of argv */
	size_t nr_cmd[2];
};

static const char ab_usage_head[] =
    "usage: sonde ab [options] PROBE... -- BASE_CMD [ARGS...] ::: NEW_CMD [ARGS...]\n"
    "\n"
    "Run BASE_CMD and NEW_CMD alternately (base, new, base, new, ...), --runs\n"
    "times each, trace every run with sonde lat and the same PROBEs, and print\n"
    "the diff of the runs as sonde diff BASE... ::: NEW... does: the same\n"
    "verdicts, the same --json, the same exit status. Alternating puts the\n"
    "machine's drift on both sides alike. A command may be a wrapper\n"
    "(env SLOW=1 ./svc, taskset -c 1 ./svc), as with sonde lat -- CMD.\n"
    "The commands' own output goes to stderr, with one line per run: stdout\n"
    "holds the diff only.\n"
    "\n";

static const char ab_usage_tail[] =
    "\n"
    "A run that fails (its command exits non-zero or dies, or sonde lat fails)\n"
    "stops ab, with the line that says why. Ctrl-C stops the current run, which\n"
    "is dropped, and compares the runs before it.\n"
    "Exit status: 0 no regression, 1 regression, 2 bad input or a failed run,\n"
    "3 no privilege, a run killed by a signal, or stopped before each command\n"
    "had run once.\n";

/* ---- options --------------------------------------------------------------- */

/* A lat option, already checked: passed on to every run as it was given. */
static int fwd(const struct cmd_opt *opt, const char *name, const char *val)
{
	struct ab_args *a = opt->ptr;

	a->lat[a->nr_lat++] = name;
	if (val)
		a->lat[a->nr_lat++] = val;
	return 0;
}

/* The value checked here (by the parser lat's table uses, where it shares one), so
 * that a bad one stops ab before any run. */
static int fwd_checked(const struct cmd_opt *opt, const char *name, const char *val,
		       cmd_opt_fn check, void *scratch, size_t size)
{
	struct cmd_opt o = *opt;
	int err;

	o.ptr = scratch;
	o.size = size;
	err = check(&o, name, val);
	return err ? err : fwd(opt, name, val);
}

static int fwd_duration(const struct cmd_opt *opt, const char *name, const char *val)
{
	__u64 ns;

	return fwd_checked(opt, name, val, cmd_opt_duration, &ns, sizeof(ns));
}

static int fwd_count(const struct cmd_opt *opt, const char *name, const char *val)
{
	__u64 n;

	return fwd_checked(opt, name, val, cmd_opt_count, &n, sizeof(n));
}

static int fwd_returns(const struct cmd_opt *opt, const char *name, const char *val)
{
	enum return_mode m;

	return fwd_checked(opt, name, val, cmd_opt_returns, &m, sizeof(m));
}

static int fwd_verbose(const struct cmd_opt *opt, const char *name, const char *val)
{
	sonde_verbose = true;
	return fwd(opt, name, val);
}

/* A PROBE: [OBJECT:]GLOB, checked here and passed on. */
static int add_probe(void *ctx, const char *arg)
{
	struct ab_args *a = ctx;
	struct probe_spec spec;

	if (!strcmp(arg, ":::"))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "':::' goes between the two commands, after '--' (sonde ab "
				  "PROBE... -- BASE_CMD ... ::: NEW_CMD ...)");
	if (probe_spec_parse(arg, &spec))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "bad probe '%s' (expected [OBJECT:]GLOB, like libc:malloc)", arg);
	probe_spec_free(&spec);
	a->lat[a->nr_lat++] = arg;
	a->nr_probes++;
	return 0;
}

/* The commands after `--`: BASE_CMD ::: NEW_CMD. 0 or a sonde_fail() code. */
static int split_commands(struct ab_args *a, int argc, char **argv, int dashes)
{
	int sep;

	if (dashes >= argc)
		return sonde_fail(SONDE_EXIT_INPUT, "give the two commands after '--': sonde ab "
						    "PROBE... -- BASE_CMD ... ::: NEW_CMD ...");
	for (sep = dashes + 1; sep < argc && strcmp(argv[sep], ":::"); sep++)
		;
	if (sep >= argc)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "no ':::' between the BASE and the NEW command (sonde ab "
				  "PROBE... -- BASE_CMD ... ::: NEW_CMD ...)");
	if (sep == dashes + 1)
		return sonde_fail(SONDE_EXIT_INPUT, "no BASE command before ':::'");
	if (sep == argc - 1)
		return sonde_fail(SONDE_EXIT_INPUT, "no NEW command after ':::'");
	a->cmd[AB_BASE] = argv + dashes + 1;
	a->nr_cmd[AB_BASE] = sep - dashes - 1;
	a->cmd[AB_NEW] = argv + sep + 1;
	a->nr_cmd[AB_NEW] = argc - sep - 1;
	return 0;
}

/* 0, 1 when --help was printed, or a sonde_fail() code. */
static int parse_ab_args(int argc, char **argv, struct ab_args *a)
{
	const struct cmd_opt opts[] = {
	    CMD_OPT_COUNT("--runs", "N",
			  "runs of each command (default " CMD_OPT_STR(
			      AB_DEFAULT_RUNS) ", at most " CMD_OPT_STR(AB_MAX_RUNS) ")",
			  &a->runs, 1, AB_MAX_RUNS),
	    CMD_OPT_STRING("-o", "--output", "DIR",
			   "keep each run's profile in DIR, a new or empty directory\n"
			   "(base-1.sonde ... new-N.sonde, for sonde diff and sonde\n"
			   "report); default: a temporary directory, removed at the end",
			   &a->dir),
	    CMD_DIFF_OPTS(&a->show),
	    {.name = "-d",
	     .arg = "DURATION",
	     .help = "stop each run after DURATION (a service that runs until\n"
		     "stopped); default: when the command exits",
	     .parse = fwd_duration,
	     .ptr = a},
	    {.name = "--no-sched", .help = "as for sonde lat", .parse = fwd, .ptr = a},
	    {.name = "--raw", .help = "as for sonde lat", .parse = fwd, .ptr = a},
	    {.name = "--no-site-choice", .help = "as for sonde lat", .parse = fwd, .ptr = a},
	    {.name = "--returns",
	     .arg = "HOW",
	     .help = "as for sonde lat",
	     .parse = fwd_returns,
	     .ptr = a},
	    {.name = "--max-probes",
	     .arg = "N",
	     .help = "as for sonde lat",
	     .parse = fwd_count,
	     .ptr = a,
	     .min = 1,
	     .max = UINT32_MAX},
	    {.name = "--ns",
	     .arg = "PID",
	     .help = "as for sonde lat",
	     .parse = fwd_count,
	     .ptr = a,
	     .min = 1,
	     .max = INT_MAX},
	    {.name = "-v",
	     .alias = "--verbose",
	     .help = "also each run's own sonde lines; libbpf's messages",
	     .parse = fwd_verbose,
	     .ptr = a},
	    CMD_OPT_END,
	};
	const struct cmd_opts spec = {.cmd = "ab",
				      .opts = opts,
				      .usage_head = ab_usage_head,
				      .usage_tail = ab_usage_tail,
				      .help_width = 16,
				      .arg = add_probe,
				      .ctx = a};
	int dashes, ret;

	cmd_diff_show_init(&a->show);
	a->runs = AB_DEFAULT_RUNS;
	a->lat = calloc(argc, sizeof(*a->lat));
	if (!a->lat)
		return -ENOMEM;
	for (dashes = 1; dashes < argc && strcmp(argv[dashes], "--"); dashes++)
		;
	ret = cmd_opts_parse(&spec, dashes, argv);
	if (ret)
		return ret;
	if (!a->nr_probes)
		return sonde_fail(
		    SONDE_EXIT_INPUT,
		    "no PROBE given (example: sonde ab 'handle_*' -- ./old ::: ./new)");
	/* Before any run: a budget ab cannot judge (its runs are sonde lat's). */
	ret = budget_check_kind(&a->show.budgets, PROFILE_LAT, "sonde ab");
	return ret ? ret : split_commands(a, argc, argv, dashes);
}

/* ---- the directory of the runs' profiles ----------------------------------- */

/* -o DIR: made when absent; a directory that is empty and can be written. */
static int check_dir(const char *dir)
{
	char probe[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int fd;

	if (mkdir(dir, 0777) && errno != EEXIST)
		return sonde_fail(SONDE_EXIT_INPUT, "-o %s: cannot make the directory: %s", dir,
				  strerror(errno));
	d = opendir(dir);
	if (!d)
		return sonde_fail(SONDE_EXIT_INPUT, "-o %s: %s (give a new or empty directory)",
				  dir, strerror(errno));
	while ((de = readdir(d)) && (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")))
		;
	closedir(d);
	/* Profiles of another comparison there would be read as this one's by a later
	 * sonde diff DIR/base-*.sonde ::: DIR/new-*.sonde. */
	if (de)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "-o %s is not empty (give a new or empty directory)", dir);
	snprintf(probe, sizeof(probe), "%s/.sonde-ab-XXXXXX", dir);
	fd = mkstemp(probe);
	if (fd < 0)
		return sonde_fail(SONDE_EXIT_INPUT, "-o %s: cannot write there: %s", dir,
				  strerror(errno));
	close(fd);
	unlink(probe);
	return 0;
}

/* DIR, or a new temporary directory in tmp: 0 or a sonde_fail() code. */
static int open_dir(const struct ab_args *a, char *tmp, size_t len, const char **dir)
{
	const char *base = getenv("TMPDIR");

	if (a->dir) {
		*dir = a->dir;
		return check_dir(a->dir);
	}
	snprintf(tmp, len, "%s/sonde-ab.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmp))
		return sonde_fail(SONDE_EXIT_SYSTEM,
				  "cannot make a temporary directory in %s: %s (set TMPDIR, or "
				  "give -o DIR)",
				  base && *base ? base : "/tmp", strerror(errno));
	*dir = tmp;
	return 0;
}

/* ---- one run ----------------------------------------------------------------- */

struct ab_run {
	char *held[AB_MAX_HELD]; /* sonde lat's own lines, "sonde: ..." */
	size_t nr_held;
	char *cmd_failed;	 /* a copy of its line saying the command exited non-zero */
	bool drop_out, held_err; /* what became of the line going on, on stdout and stderr */
};

/* sonde lat's stdout, which the command inherits: the report (one JSON line, often
 * longer than the buffer) goes; the command's lines pass. */
static void on_out(void *ctx, const char *s, size_t len, bool first)
{
	static const char report[] = "{\"type\":\"lat\"";
	struct ab_run *r = ctx;

	if (first)
		r->drop_out = len >= sizeof(report) - 1 && !memcmp(s, report, sizeof(report) - 1);
	if (!r->drop_out)
		fwrite(s, 1, len, stderr);
}

/* sonde lat's stderr, the command's too: sonde's own lines are held for the end
 * of the run (they say why it failed, or are said once); the command's pass. */
static void on_err(void *ctx, const char *s, size_t len, bool first)
{
	/* user/core/target_end.c says so (with -v for status 0 too), and lat's exit
	 * status stays 0. */
	static const char failed[] = "sonde: the command exited with status ";
	struct ab_run *r = ctx;
	char *line;

	if (first)
		r->held_err = len >= 7 && !memcmp(s, "sonde: ", 7);
	if (!r->held_err) {
		fwrite(s, 1, len, stderr);
		return;
	}
	if (!first)
		return; /* a message longer than 4 KiB: its start is enough */
	line = strndup(s + 7, len - 7 - (s[len - 1] == '\n'));
	if (!line)
		return;
	if (!r->cmd_failed && len >= sizeof(failed) - 1 && !memcmp(s, failed, sizeof(failed) - 1) &&
	    atoi(s + sizeof(failed) - 1))
		r->cmd_failed = strdup(line);
	if (r->nr_held == AB_MAX_HELD)
		free(r->held[--r->nr_held]);
	r->held[r->nr_held++] = line;
}

/* sonde lat WORDS --json -o PATH -- CMD: a NULL-terminated argv to free. */
static char **lat_argv(const struct ab_args *a, enum ab_side side, const char *path)
{
	size_t n = 0, i;
	char **v = calloc(a->nr_lat + a->nr_cmd[side] + 8, sizeof(*v));

	if (!v)
		return NULL;
	v[n++] = "sonde";
	v[n++] = "lat";
	for (i = 0; i < a->nr_lat; i++)
		v[n++] = (char *)a->lat[i];
	/* One JSON line is the report ab drops: the command's lines around it pass. */
	v[n++] = "--json";
	v[n++] = "-o";
	v[n++] = (char *)path;
	v[n++] = "--";
	for (i = 0; i < a->nr_cmd[side]; i++)
		v[n++] = a->cmd[side][i];
	return v;
}

enum ab_result { AB_RUN_OK, AB_RUN_STOPPED, AB_RUN_FAILED };

/* The runs' own lines said so far: each is said once, not once a run. */
struct ab_said {
	char *lines[AB_MAX_HELD];
	size_t nr;
};

/* Say *line unless it was: kept (taken from *line) for the next runs. */
static void say_once(struct ab_said *said, char **line)
{
	size_t i;

	for (i = 0; i < said->nr; i++)
		if (!strcmp(said->lines[i], *line))
			return;
	sonde_say("%s", *line);
	if (said->nr < AB_MAX_HELD) {
		said->lines[said->nr++] = *line;
		*line = NULL;
	}
}

/*
 * One run into `path`: AB_RUN_OK; AB_RUN_STOPPED when ab was told to stop
 * (the run, cut short or stopped at once, is dropped); or AB_RUN_FAILED with
 * its exit status in *status, said in one line naming the run.
 */
static enum ab_result run_one(const struct ab_args *a, enum ab_side side, unsigned int k,
			      const char *path, struct ab_said *said, int *status)
{
	struct ab_run r = {0};
	const char *why = NULL;
	char buf[64];
	char **argv = lat_argv(a, side, path);
	enum ab_result res = AB_RUN_FAILED;
	int ws = 0, err;
	size_t i;

	err = argv ? ab_child_run(argv, on_out, on_err, &r, &ws) : -ENOMEM;
	free(argv);
	*status = exit_status_of(err);
	if (err)
		return AB_RUN_FAILED;
	if (ab_stopped()) {
		res = AB_RUN_STOPPED;
	} else if (WIFSIGNALED(ws)) {
		snprintf(buf, sizeof(buf), "sonde lat was killed by SIG%s",
			 sigabbrev_np(WTERMSIG(ws)) ?: "?");
		why = buf;
		*status = SONDE_EXIT_SYSTEM;
	} else if (WEXITSTATUS(ws)) {
		snprintf(buf, sizeof(buf), "sonde lat exited with status %d", WEXITSTATUS(ws));
		why = r.nr_held ? r.held[r.nr_held - 1] : buf;
		/* Its own 2 (bad input) or 3; never 1, which would read as a regression. */
		*status =
		    WEXITSTATUS(ws) == SONDE_EXIT_INPUT ? SONDE_EXIT_INPUT : SONDE_EXIT_SYSTEM;
	} else if (r.cmd_failed) {
		why = r.cmd_failed;
		*status = SONDE_EXIT_INPUT;
	} else {
		res = AB_RUN_OK;
	}
	for (i = 0; i < r.nr_held; i++) {
		/* Each once (all with -v); ab's own line per run says what "tracing" did. */
		if (sonde_verbose)
			sonde_say("%s", r.held[i]);
		else if (res == AB_RUN_OK && strncmp(r.held[i], "tracing ", 8))
			say_once(said, &r.held[i]);
	}
	if (why)
		sonde_fail(*status, "%s run %u of %u failed: %s%s%s", side_name[side], k, a->runs,
			   why, a->dir ? "; the runs before it are in " : "", a->dir ? a->dir : "");
	for (i = 0; i < r.nr_held; i++)
		free(r.held[i]);
	free(r.cmd_failed);
	return res;
}

/* ---- the command ------------------------------------------------------------- */

static void remove_dir(const char *dir, char **paths, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (paths[i])
			unlink(paths[i]);
	if (rmdir(dir))
		sonde_say("cannot remove the temporary directory %s: %s", dir, strerror(errno));
}

/* --html OUT.html: a path that cannot be written fails before the runs, not after them. */
static int check_html(const char *path)
{
	struct out_file *f = NULL;
	int err = path ? out_file_open(path, &f) : 0;

	out_file_close(f);
	return err;
}

int cmd_ab(int argc, char **argv)
{
	struct ab_args a = {0};
	char tmp[PATH_MAX], **paths = NULL, **files = NULL;
	const char *dir = NULL;
	size_t nr[2] = {0, 0}, total = 0, i;
	enum ab_result res;
	enum ab_side side;
	struct ab_said said = {0};
	int err, status = SONDE_EXIT_OK;

	err = parse_ab_args(argc, argv, &a);
	if (!err)
		err = check_html(a.show.html);
	if (!err)
		err = cmd_setup("ab", NULL, NULL);
	if (!err)
		err = open_dir(&a, tmp, sizeof(tmp), &dir);
	if (err) {
		dir = NULL;   /* -o DIR was refused, or no temporary one was made */
		goto cleanup; /* 1: --help was printed, exit status 0 */
	}
	total = 2 * (size_t)a.runs;
	paths = calloc(total, sizeof(*paths));
	files = calloc(total, sizeof(*files));
	if (!paths || !files) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* Base, new, base, new, ...: run i is side i % 2, its run i / 2 + 1. */
	for (i = 0; i < total; i++)
		if (asprintf(&paths[i], "%s/%s-%zu.sonde", dir, side_name[i % 2], i / 2 + 1) < 0) {
			paths[i] = NULL;
			err = -ENOMEM;
			goto cleanup;
		}
	ab_install_signals();
	for (i = 0; i < total && !ab_stopped(); i++) {
		side = i % 2;
		sonde_say("run %zu of %zu: %s %zu of %u%s", i + 1, total, side_name[side],
			  i / 2 + 1, a.runs,
			  i ? "" : " (Ctrl-C: stop, and compare the runs so far)");
		res = run_one(&a, side, i / 2 + 1, paths[i], &said, &status);
		if (res != AB_RUN_OK) {
			unlink(paths[i]); /* so that DIR holds exactly the runs compared */
			if (res == AB_RUN_FAILED)
				goto cleanup;
			break;
		}
		nr[side]++;
	}
	if (ab_stopped()) {
		if (!nr[AB_BASE] || !nr[AB_NEW]) {
			status = -sonde_fail(SONDE_EXIT_SYSTEM,
					     "stopped before each command had run once: nothing to "
					     "compare");
			goto cleanup;
		}
		sonde_say("stopped: comparing the %zu base and %zu new runs done", nr[AB_BASE],
			  nr[AB_NEW]);
	}
	/* BASE files first, then NEW: a side's runs are every other path. */
	for (i = 0; i < nr[AB_BASE]; i++)
		files[i] = paths[2 * i];
	for (i = 0; i < nr[AB_NEW]; i++)
		files[nr[AB_BASE] + i] = paths[2 * i + 1];
	status = cmd_diff_files((const char *const *)files, nr[AB_BASE], nr[AB_BASE] + nr[AB_NEW],
				&a.show);
	if (a.dir)
		sonde_info("the runs' profiles are in %s", a.dir);
cleanup:
	if (dir && !a.dir)
		remove_dir(dir, paths, paths ? total : 0);
	for (i = 0; paths && i < total; i++)
		free(paths[i]);
	for (i = 0; i < said.nr; i++)
		free(said.lines[i]);
	free(paths);
	free(files);
	free(a.lat);
	cmd_diff_show_free(&a.show);
	return err ? exit_status_of(err) : status;
}
