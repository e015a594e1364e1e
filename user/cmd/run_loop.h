/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The run of every tracing command, written once: signals, the target's
 * release, the session's intervals, deadline and events, the target's exit or
 * its stop, the last drain and the final report. A command supplies a tracer:
 * what it does at each of those points.
 */
#ifndef SONDE_RUN_LOOP_H
#define SONDE_RUN_LOOP_H

#include <stdbool.h>
#include <linux/types.h>
#include "core/session.h"
#include "core/target.h"

struct prom_server;

struct tracer {
	void *ctx;
	int events_fd; /* readable when live records wait; -1: none */
	/* Its live records go to stdout: a closed reader (| head) stops the run. */
	bool stop_on_closed_stdout;
	/* After the target's release: checks and the "tracing ..." line. NULL: none. */
	int (*started)(void *ctx);
	/* Print the live records that wait. */
	void (*drain)(void *ctx);
	/* Each interval of the session: read, sample, report. 0 or -errno (run ends). */
	int (*interval)(void *ctx, const struct session *s);
	/* After the target stopped and the last drain: the final report. */
	int (*finish)(void *ctx, const struct session *s);
};

struct run_opts {
	struct target *target;
	__u64 duration_ns; /* -d; 0: until stopped */
	__u64 interval_ns; /* the tracer's interval callback; 0: none */
	struct prom_server *prom; /* --prometheus: served between the tracer's callbacks; NULL: none */
};

/* 0, or the first error: of the release, a callback, or the final report. */
int run_loop(const struct run_opts *o, const struct tracer *t);

#endif
