/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wait loop of a tracing run: interval reports, the -d deadline, Ctrl-C
 * and SIGTERM, and the target's exit, whichever comes first.
 */
#ifndef SONDE_SESSION_H
#define SONDE_SESSION_H

#include <stdbool.h>
#include <linux/types.h>
#include "core/target.h"

struct session {
	__u64 start_ns;
	__u64 duration_ns; /* 0: until stopped */
	__u64 interval_ns; /* 0: no interval reports */
	__u64 next_report_ns;
	int events_fd; /* readable when records wait (a ring buffer's epoll fd); -1: none */
	int serve_fd;  /* readable when a scraper waits (--prometheus); -1: none */
	__u64 next_serve_ns; /* serve_fd's server runs by then at the latest */
};

/* How a tracing run stops and what its exit status says: the end of lat's and mem's --help. */
#define SESSION_USAGE_STOPPING                                                                     \
	"Ctrl-C or SIGTERM ends the trace with the final report; a command started\n"              \
	"with -- gets SIGTERM, then SIGKILL 2 s later (at once on a second Ctrl-C);\n"             \
	"a third Ctrl-C kills sonde. The command dies with sonde, even on SIGKILL.\n"              \
	"Exit status: 0 done (a command's non-zero exit status is said on stderr),\n"              \
	"1 a --budget breached, 2 bad usage, 3 the system refused, or the command\n"               \
	"or a -p process was killed by a signal (named on stderr, after the final\n"               \
	"report; 3 even when a budget was breached).\n"

enum session_event {
	SESSION_INTERVAL,    /* time for an interval report */
	SESSION_STOPPED,     /* Ctrl-C, SIGTERM or the deadline */
	SESSION_TARGET_EXIT, /* every traced process has exited */
	SESSION_EVENTS,	     /* records wait on events_fd */
	SESSION_SERVE,	     /* a scraper waits on serve_fd */
};

/*
 * The first SIGINT or SIGTERM stops the run (final report; a command sonde
 * started gets SIGTERM, then SIGKILL after a grace period); a second one cuts
 * the grace period short (session_hurried()); a third kills sonde at once.
 */
void session_install_signals(void);
bool session_hurried(void);
/* serve_fd starts at -1: set it after session_start(). */
void session_start(struct session *s, __u64 duration_ns, __u64 interval_ns, int events_fd);
enum session_event session_wait(struct session *s, struct target *t);

#endif
