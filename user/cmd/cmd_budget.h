/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --budget and --critical on the commands that report a profile (lat, mem,
 * report; ab on its new side): the option callback, and the final report
 * with the budgets' verdicts.
 */
#ifndef SONDE_CMD_BUDGET_H
#define SONDE_CMD_BUDGET_H

#include <stdbool.h>
#include "cmd/cmd_opts.h"
#include "diff/budget.h"
#include "out/format.h"

/* --budget B: an option callback (cmd_opts.h) adding B to the struct budget_set at opt->ptr. */
int cmd_opt_budget(const struct cmd_opt *opt, const char *name, const char *val);

/*
 * The budgets judged on the profile of a final report, into *e (nothing when
 * there are none), for the format to show with the report (ro->budgets);
 * *breached set on a breach. 0, or a sonde_fail() code (exit 2: a budget for
 * the other kind of profile, or one that matches none of its functions).
 */
int cmd_budget_judge(const struct budget_set *s, const struct sonde_profile *p,
		     struct budget_eval *e, struct report_opts *ro, bool *breached);

/* A command's exit status with its budgets: a breach turns 0 into 1 (as a
 * regression does in sonde diff); 2 and 3 (a command killed by a signal) stay. */
static inline int cmd_budget_exit(int status, bool breached)
{
	return !status && breached ? 1 : status;
}

/* The option table's entries, worded once; FORMS says which budgets the command takes. */
/* clang-format off */
#define CMD_OPT_BUDGET(forms, p) \
	CMD_OPT_CALLBACK("--budget", "B", \
			 "a limit the run must keep, else exit 1 (repeatable):\n" forms, \
			 cmd_opt_budget, p)
#define CMD_BUDGET_LAT \
	"FUNCTION:METRIC<LIMIT, METRIC p50, p90, p99, p999, mean\n" \
	"or max: 'handle_*:p99<2ms', 'libc:malloc:mean<1us'"
#define CMD_BUDGET_MEM \
	"rss<SIZE (peak RSS), live<SIZE (live heap at the end),\n" \
	"growth<SIZE/s (of the live heap): 'rss<512MiB',\n" \
	"'growth<1MiB/s'; SIZE in B, KiB, MiB, GiB (KB, MB, GB:\n" \
	"the same powers of 1024)"
#define CMD_OPT_BUDGET_CRITICAL(p) \
	CMD_OPT_NUMBER("--critical", "PCT", \
		       "a budget breached by more than PCT % is critical\n" \
		       "(default 50)", p, 0, 1e6)
/* clang-format on */

#endif
