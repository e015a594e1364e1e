/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde rules' model: Prometheus alerting rules made from recorded baselines
 * (profiles of sonde lat -o or sonde mem -o) and --budget limits, before any
 * YAML (user/diff/rules_yaml.h renders them).
 *
 * Latency baselines: per function called in them, the --metric (p50, p90,
 * p99, mean) in each run it was called in, combined as sonde diff weighs runs
 * (on its log scale: the geometric mean); warning above it by --threshold %,
 * critical above it by --critical %. Memory baselines: the live heap's growth
 * (the mean of the runs', as diff weighs growth), against at least
 * DIFF_GROWTH_FLOOR_BYTES_PER_S, and the highest peak RSS of the runs.
 * Budgets: warning at their limit, critical beyond it by the budget set's
 * critical_pct, as sonde's budget verdicts are.
 */
#ifndef SONDE_RULES_H
#define SONDE_RULES_H

#include <stddef.h>
#include "diff/budget.h"
#include "diff/diff_core.h"
#include "out/sonde_profile.h"

/* What an alert watches; each is one alert name and one PromQL shape. */
enum rule_kind {
	RULE_LAT_REGRESSION,	/* a function's quantile or mean over its baseline */
	RULE_LAT_BUDGET,	/* ... over a --budget limit */
	RULE_GROWTH_REGRESSION, /* the live heap's growth over its baseline's */
	RULE_RSS_REGRESSION,	/* RSS over the baseline's peak */
	RULE_GROWTH_BUDGET,
	RULE_RSS_BUDGET,
	RULE_LIVE_BUDGET,
	RULE__KINDS
};

/* The statistic of a latency rule: a quantile, or the mean (q = 0). */
struct rule_stat {
	const char *name; /* "p99", "mean" */
	double q;	  /* 0.99; 0 for the mean */
};

struct rule {
	enum rule_kind kind;
	enum diff_severity severity; /* DIFF_WARNING or DIFF_CRITICAL */
	const char *function;	     /* latency: the name as sonde shows it; else NULL */
	const char *object;	     /* latency: the object's file name; else NULL */
	struct rule_stat stat;	     /* latency */
	double limit;		     /* seconds, bytes or bytes/s: the alert fires above it */
	double baseline;	     /* regressions: the baseline's value, same unit */
	double pct;		     /* how far above baseline (or budget limit) limit is */
	size_t nr_runs;		     /* regressions: the baseline runs it was measured in */
	__u64 min_calls;	     /* latency: calls in the window before it may fire; 0: any */
	const char *budget;	     /* budgets: the --budget text */
};

struct rule_set {
	enum profile_kind kind;
	size_t nr_baselines;
	struct rule *v; /* in order: per function (warning, critical), then budgets */
	size_t nr;
};

/*
 * By default a latency rule needs as many calls in its window as diff asks of
 * a time slice before its metric counts (docs/verdicts.md): ten beyond the
 * quantile, 10 / (1 - q), so 20 for p50, 100 for p90, 1000 for p99; 20 for
 * the mean. A p99 of five calls at night is noise, not a page.
 */
#define RULES_MIN_CALLS_AUTO ((__u64)-1)

struct rules_opts {
	enum diff_metric metric; /* --metric */
	double threshold_pct;	 /* --threshold: warning */
	double critical_pct;	 /* --critical: critical, for regressions and budgets */
	__u64 min_calls;	 /* --min-calls, or RULES_MIN_CALLS_AUTO */
	const struct budget_set *budgets;
};

/*
 * The rules from profiles[0..nr-1] (at least one, all of one kind). 0, or a
 * sonde_fail() code (exit 2): --critical not above --threshold, a budget of
 * the other kind, one that matches none of the baselines' functions (with
 * the nearest name), a max budget (a histogram has no maximum), or nothing
 * to make a rule of. Strings point into the profiles, which must outlive it.
 */
int rules_build(struct sonde_profile *const *profiles, size_t nr, const struct rules_opts *o,
		struct rule_set *out);
void rule_set_free(struct rule_set *s);

/* "SondeLatencyRegression", ...: valid Prometheus alert names. */
const char *rule_alert_name(enum rule_kind k);
/* The unit of a kind's limit and baseline. */
enum budget_unit rule_unit(enum rule_kind k);

#endif
