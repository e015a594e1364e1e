// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "cmd/cmd.h"
#include "cmd/run_loop.h"
#include "core/util.h"
#include "out/prom_server.h"

int run_loop(const struct run_opts *o, const struct tracer *t)
{
	enum session_event ev;
	struct session s;
	int err;

	session_install_signals();
	session_start(&s, o->duration_ns, o->interval_ns, t->events_fd);
	if (o->prom)
		s.serve_fd = prom_server_fd(o->prom);
	if ((err = cmd_release_target(o->target)))
		return err;
	if (t->started && (err = t->started(t->ctx)))
		return err;
	while ((ev = session_wait(&s, o->target)) == SESSION_INTERVAL || ev == SESSION_EVENTS ||
	       ev == SESSION_SERVE) {
		if (ev == SESSION_SERVE) {
			prom_server_serve(o->prom);
			continue;
		}
		t->drain(t->ctx);
		/* The reader went away (sonde lat ... | head): stop as if told to. */
		if (t->stop_on_closed_stdout && ferror(stdout))
			break;
		if (ev != SESSION_INTERVAL)
			continue;
		if ((err = t->interval(t->ctx, &s)))
			return err;
	}
	if (ev == SESSION_TARGET_EXIT)
		sonde_info("the target exited; final report");
	else
		target_stop_cmd(o->target, session_hurried);
	/* Read everything before detaching: what was measured is never lost. */
	t->drain(t->ctx);
	return t->finish(t->ctx, &s);
}
