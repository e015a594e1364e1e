// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include "core/test_knobs.h"

const struct test_knobs *test_knobs(void)
{
	static struct test_knobs k;
	const char *root = getenv("SONDE_DEBUG_ROOT");
	const char *gone = getenv("SONDE_PID_GONE_MS");

	k = (struct test_knobs){
	    .no_o_tmpfile = getenv("SONDE_NO_O_TMPFILE"),
	    .debug_root = root && *root ? root : NULL,
	    .atomic_stats = getenv("SONDE_ATOMIC_STATS"),
	    .no_run_delay = getenv("SONDE_NO_RUN_DELAY"),
	    .no_syscall_tracepoints = getenv("SONDE_NO_SYSCALL_TRACEPOINTS"),
	    .no_uprobe_multi = getenv("SONDE_NO_UPROBE_MULTI"),
	    .no_exit_watch = getenv("SONDE_NO_EXIT_WATCH"),
	    .no_refusal_check = getenv("SONDE_NO_REFUSAL_CHECK"),
	    .pid_gone_ms = gone && *gone ? atol(gone) : -1,
	};
	return &k;
}
