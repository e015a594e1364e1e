/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde diff's model: functions paired across BASE profiles and a NEW one,
 * each with its change, its significance and a verdict.
 */
#ifndef SONDE_DIFF_H
#define SONDE_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include "profile_file.h"

enum diff_metric { DIFF_P50, DIFF_P90, DIFF_P99, DIFF_MEAN, DIFF__METRICS };
enum diff_verdict { DIFF_REGRESSION, DIFF_IMPROVEMENT, DIFF_UNCHANGED, DIFF_NEW, DIFF_GONE };
enum diff_severity { DIFF_CRITICAL, DIFF_WARNING, DIFF_INFO, DIFF_NONE };

struct diff_opts {
	enum diff_metric metric; /* --metric, default p90 */
	double threshold_pct;	 /* --threshold, default 10 */
	double alpha;		 /* --alpha, default 0.01 */
	double critical_pct;	 /* --critical, default 50 */
};

/* One side of a pair: the bases pooled, or the new profile. */
struct diff_side {
	__u64 calls;
	double rate;			/* calls per second of the run(s) */
	double value[DIFF__METRICS];	/* p50, p90, p99, mean in ns */
	__u64 hist[SONDE_HIST_BUCKETS]; /* pooled over the bases */
	__u64 min_ns, max_ns;
};

struct diff_row {
	const char *object; /* as in the new profile (or the base, for "gone") */
	const char *name;
	enum diff_verdict verdict;
	enum diff_severity severity;
	struct diff_side base, new;
	double change_pct[DIFF__METRICS];
	double rate_change_pct;
	double p_value;
	double base_lo, base_hi; /* the metric's spread across the base runs */
};

struct diff_report {
	enum diff_metric metric;
	struct diff_row *rows; /* sorted: regressions by severity and size first */
	size_t nr_rows;
	size_t regressions;
	char **notes; /* information: differing build-ids */
	size_t nr_notes;
};

/* Every profile must be a lat profile; fails (exit status 2) when no function
 * is in common. */
int diff_compute(struct sonde_profile *const *bases, size_t nr_bases,
		 const struct sonde_profile *newp, const struct diff_opts *o,
		 struct diff_report **out);
void diff_report_free(struct diff_report *r);

const char *diff_metric_name(enum diff_metric m);
int diff_metric_parse(const char *s, enum diff_metric *m);
const char *diff_verdict_name(enum diff_verdict v);
const char *diff_severity_name(enum diff_severity s);

#endif
