/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Budgets: absolute limits as operators write them (--budget), checked on a
 * run's final report, a recorded profile, or the new side of a diff (sonde ab).
 *
 *   FUNCTION:METRIC<LIMIT   latency: 'handle_*:p99<2ms', 'libc:malloc:mean<500ns'
 *                           FUNCTION is a PROBE ([OBJECT:]GLOB), matched as PROBE
 *                           globs match; METRIC p50, p90, p99, p999, mean or max;
 *                           LIMIT a duration with its unit (ns, us, ms, s).
 *   METRIC<LIMIT            memory (sonde mem): rss<512MiB (peak RSS), live<100MiB
 *                           (live heap bytes at the end), growth<1MiB/s (growth
 *                           of the live heap, least squares over the run). Sizes
 *                           in B, KiB, MiB, GiB (k, M, G and KB, MB, GB are the
 *                           same powers of 1024, as everywhere in sonde).
 *
 * A value at or above its limit is a breach: a warning up to critical_pct over
 * it, critical beyond. A function that was traced but never called has no data.
 */
#ifndef SONDE_BUDGET_H
#define SONDE_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "diff/diff_core.h"
#include "probe/glob.h"
#include "probe/probes.h"

/* Breaches beyond this much over their limit are critical (--critical). */
#define BUDGET_DEFAULT_CRITICAL_PCT 50.0

enum budget_metric {
	BUDGET_P50,
	BUDGET_P90,
	BUDGET_P99,
	BUDGET_P999,
	BUDGET_MEAN,
	BUDGET_MAX,
	BUDGET_RSS,
	BUDGET_LIVE,
	BUDGET_GROWTH,
};

struct budget {
	char *text;		 /* as given: "handle_*:p99<2ms" */
	struct probe_spec funcs; /* latency: the functions; glob NULL for memory */
	enum budget_metric metric;
	double limit; /* ns, bytes or bytes/s */
};

struct budget_set {
	struct budget *v;
	size_t nr;
	double critical_pct; /* --critical */
};
#define BUDGET_SET_INIT                                                                            \
	{                                                                                          \
		.critical_pct = BUDGET_DEFAULT_CRITICAL_PCT                                        \
	}

enum budget_verdict { BUDGET_BREACH, BUDGET_OK, BUDGET_NO_DATA };

/* One budget on one function (or on the whole run, for memory). */
struct budget_result {
	const struct budget *budget;
	const char *object; /* the function's object; NULL for memory */
	const char *target; /* the function's name; NULL for memory */
	enum budget_verdict verdict;
	enum diff_severity severity; /* a breach: warning or critical; else none */
	double value;		     /* in the limit's unit; NAN without data */
	double over_pct;	     /* (value - limit) / limit; NAN without data */
	size_t seq;		     /* the order it was evaluated in */
};

struct budget_eval {
	struct budget_result *v; /* breaches first (critical, the largest), then ok, no data */
	size_t nr;
	size_t breaches;
};

/* A budget as --budget gives it, added to the set; a sonde_fail() code
 * (exit 2, one line that says how to write it) when it does not parse. */
int budget_add(struct budget_set *s, const char *text);
void budget_set_free(struct budget_set *s);
/* Whether its budgets suit a profile of this kind; else a sonde_fail() code
 * naming the budget and the command it is for (cmd: "sonde lat"). */
int budget_check_kind(const struct budget_set *s, enum profile_kind kind, const char *cmd);
/* Before tracing: each latency budget matches one of the functions to be
 * traced, else a sonde_fail() code (exit 2), so that a typo cannot pass a gate. */
int budget_check_probes(const struct budget_set *s, const struct probe_set *set);

/* Every budget of the set on a profile, or on the new side of a latency diff
 * (its runs pooled, as its table shows them). A latency budget that matches
 * none of the profile's functions is a sonde_fail() code (exit 2). */
int budget_eval_lat(const struct budget_set *s, const struct lat_profile *p, struct budget_eval *e);
int budget_eval_mem(const struct budget_set *s, const struct mem_profile *p, struct budget_eval *e);
int budget_eval_diff(const struct budget_set *s, const struct diff_report *r,
		     struct budget_eval *e);
/* Either of the first two, by the profile's kind. */
int budget_eval_profile(const struct budget_set *s, const struct sonde_profile *p,
			struct budget_eval *e);
void budget_eval_free(struct budget_eval *e);

/* The terminal block printed before a report: one line a result, breaches
 * first ("budget breached (critical) handle_req p99 3.10ms > 2.00ms (+55 %)",
 * red with colour on), then "budget ok ...", "budget no data ...", an empty line. */
void budget_print_term(FILE *f, const struct budget_eval *e, bool color);
/* The "budgets" array of a JSON report: one object a result. NULL on ENOMEM. */
struct json_t *budget_json(const struct budget_eval *e);
/* root with that array in it as "budgets" (e NULL: root as it is); NULL, and
 * root freed, when out of memory. */
struct json_t *budget_json_add(struct json_t *root, const struct budget_eval *e);

/* What a metric is measured in (its limit, its value). */
enum budget_unit { UNIT_NS, UNIT_BYTES, UNIT_BYTES_PER_S };
enum budget_unit budget_metric_unit(enum budget_metric m);
const char *budget_metric_name(enum budget_metric m);
const char *budget_verdict_name(enum budget_verdict v);

#endif
