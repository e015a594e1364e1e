/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test knobs: environment switches that make sonde take a path the test
 * machine would not take by itself (a fallback for an older kernel, a
 * filesystem or a probe site the kernel refuses), so that the tests can
 * exercise it. Every one is read here, and nowhere else; product code asks
 * test_knobs(). Set means present in the environment, whatever the value.
 *
 *   SONDE_NO_O_TMPFILE           out_file.c: -o writes a named temporary file, as
 *                                where O_TMPFILE is missing (test_files.sh,
 *                                unit test_out_file)
 *   SONDE_DEBUG_ROOT=DIR         debug_file.c: separate debug files under DIR instead
 *                                of /usr/lib/debug; empty means unset
 *                                (test_debuginfo.sh, unit test_debug_file)
 *   SONDE_ATOMIC_STATS           preempt_model.c: per-CPU counters by atomic adds,
 *                                as on a preemptible kernel (test_lat.sh)
 *   SONDE_NO_RUN_DELAY           lat_tracer.c: off-CPU time from sched_wakeup, as on
 *                                a kernel without sched_info (test_sched.sh)
 *   SONDE_NO_SYSCALL_TRACEPOINTS mem_tracer.c: mmap and friends seen by the raw
 *                                syscall tracepoint, as on a kernel without the
 *                                syscalls events (test_mem.sh)
 *   SONDE_NO_UPROBE_MULTI        attach.c: one uprobe link per function, as before
 *                                Linux 6.6 (test_targets.sh)
 *   SONDE_NO_EXIT_WATCH          exit_watch.c: the exit watcher does not load, as
 *                                without BTF (test_lifecycle.sh)
 *   SONDE_NO_REFUSAL_CHECK       probe_site.c: sites the kernel will refuse are not
 *                                moved or skipped, so attach.c's fallback meets
 *                                the refusal (test_harm.sh)
 *
 * Real settings of the user's environment (PATH, LD_PRELOAD, NO_COLOR,
 * DEBUGINFOD_URLS, TMPDIR ...) are no knobs and are read where they are used.
 */
#ifndef SONDE_TEST_KNOBS_H
#define SONDE_TEST_KNOBS_H

#include <stdbool.h>

struct test_knobs {
	bool no_o_tmpfile;
	const char *debug_root; /* NULL: the default */
	bool atomic_stats;
	bool no_run_delay;
	bool no_syscall_tracepoints;
	bool no_uprobe_multi;
	bool no_exit_watch;
	bool no_refusal_check;
	long pid_gone_ms; /* SONDE_PID_GONE_MS: lat_pids' time bound; -1: the default */
};

/*
 * The knobs as the environment sets them now. Read at each call, not cached:
 * every reader asks while setting up, never per event, and the unit tests set
 * a knob between two calls in one process.
 */
const struct test_knobs *test_knobs(void);

#endif
