// SPDX-License-Identifier: GPL-2.0
/* sonde report FILE: print a recorded profile exactly as the live run's final report. */
#include <string.h>
#include <time.h>
#include "cmd.h"
#include "mem_report.h"
#include "profile_file.h"
#include "report.h"
#include "util.h"

static void report_usage(FILE *f)
{
	fprintf(f, "usage: sonde report FILE [--hist] [--json]\n"
		   "\n"
		   "Print a profile written by sonde lat -o FILE or sonde mem -o FILE, as the\n"
		   "run printed its final report.\n"
		   "  --hist   add each function's histogram\n"
		   "  --json   the report as one JSON object\n");
}

/*
 * What the run was, on stderr: stdout stays byte-for-byte the live report.
 * Every string but the time is the file's own: sonde_say() escapes them.
 */
static void describe_run(const char *path, const struct run_meta *m)
{
	time_t secs = (time_t)(m->start_unix_ns / 1000000000ULL);
	char when[64] = "?";
	struct tm tm;

	if (gmtime_r(&secs, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	sonde_say("%s: recorded %s on %s (Linux %s) by sonde %s: %s", path, when,
		  m->host ? m->host : "?", m->kernel ? m->kernel : "?",
		  m->sonde_version ? m->sonde_version : "?", m->options ? m->options : "?");
}

int cmd_report(int argc, char **argv)
{
	struct report_opts ro = {.color = report_want_color(stdout)};
	struct sonde_profile *p = NULL;
	const char *path = NULL;
	bool json = false;
	int i, err = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--hist")) {
			ro.hist = true;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			report_usage(stdout);
			return SONDE_EXIT_OK;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			err = sonde_fail(SONDE_EXIT_INPUT,
					 "unknown option '%s' (try: sonde report --help)", argv[i]);
			return exit_status_of(err);
		} else if (path) {
			err = sonde_fail(SONDE_EXIT_INPUT,
					 "one FILE at a time (to compare: sonde diff)");
			return exit_status_of(err);
		} else {
			path = argv[i];
		}
	}
	if (!path)
		return exit_status_of(
		    sonde_fail(SONDE_EXIT_INPUT, "no FILE given (usage: sonde report FILE)"));
	err = profile_read(path, &p);
	if (err)
		return exit_status_of(err);
	describe_run(path, p->meta);
	if (p->kind == PROFILE_MEM) {
		struct mem_report_opts mo = {.color = ro.color, .top = p->mem_top};

		if (json)
			err = mem_report_json(stdout, p->mem, &mo);
		else
			mem_report_term(stdout, p->mem, &mo);
	} else if (json) {
		err = report_lat_json(stdout, p->lat);
	} else {
		report_lat_term(stdout, p->lat, &ro);
	}
	sonde_profile_free(p);
	return exit_status_of(err);
}
