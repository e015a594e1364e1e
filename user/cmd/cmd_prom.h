/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --prometheus [ADDR:]PORT on the tracing commands (lat, mem): the options,
 * worded once, and the exporter's start: bound before anything is attached,
 * so a port in use ends the command with exit 2 and nothing traced.
 */
#ifndef SONDE_CMD_PROM_H
#define SONDE_CMD_PROM_H

#include "cmd/cmd_opts.h"
#include "out/prom_buckets.h"
#include "out/prom_server.h"

struct cmd_prom {
	const char *addr;	     /* --prometheus; NULL: no exporter */
	struct prom_buckets buckets; /* --prometheus-buckets (lat) */
	struct prom_server *server;
};

void cmd_prom_init(struct cmd_prom *p);
/* Listen, when asked: 0, or a sonde_fail() code. */
int cmd_prom_open(struct cmd_prom *p);
/* Scrapes read from fn(ctx) from now on; says where on stderr. */
void cmd_prom_serve(struct cmd_prom *p, prom_collect_fn fn, void *ctx);
void cmd_prom_free(struct cmd_prom *p);

/* --prometheus-buckets SPEC: an option callback (cmd_opts.h) for a struct prom_buckets. */
int cmd_opt_prom_buckets(const struct cmd_opt *opt, const char *name, const char *val);

/* clang-format off */
#define CMD_OPT_PROMETHEUS(p) \
	CMD_OPT_STRING("--prometheus", NULL, "[ADDR:]PORT", \
		       "serve GET /metrics for Prometheus while tracing (PORT\n" \
		       "alone: every address; 127.0.0.1:PORT: this machine only);\n" \
		       "without -d, trace until Ctrl-C or SIGTERM, as an exporter", p)
#define CMD_OPT_PROMETHEUS_BUCKETS(p) \
	CMD_OPT_CALLBACK("--prometheus-buckets", "SPEC", \
			 "the exporter's classic histogram buckets, the same all\n" \
			 "run: N/octave (1, 2, 4, 8, 16; default 4) from 128ns to\n" \
			 "17s, N/octave:LOW-HIGH (16/octave:1us-100ms), or a list\n" \
			 "100us,1ms,10ms,... (moved to the nearest edge of sonde's\n" \
			 "own buckets)", \
			 cmd_opt_prom_buckets, p)
/* lat's split by process; p: a bool, and a __u32 for the table's room. */
#define CMD_OPT_PROMETHEUS_PID(p) \
	CMD_OPT_FLAG("--prometheus-pid", NULL, \
		     "add a pid label to sonde_function_duration_seconds: one\n" \
		     "series per process and function, for several -p or -b\n" \
		     "(the other families stay per function); series multiply\n" \
		     "by processes: sonde warns past " CMD_OPT_STR(PROM_SERIES_WARN), p)
#define CMD_OPT_PROMETHEUS_PID_MAX(p) \
	CMD_OPT_COUNT("--prometheus-pid-max", "N", \
		      "room for N processes per function (default " \
		      CMD_OPT_STR(LAT_PID_DEFAULT_PROCS) ", or the -p\n" \
		      "count if more); calls past it: dropped, reason pid_table", \
		      p, 1, 1000000)
/* clang-format on */

#endif
