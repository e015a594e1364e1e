/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde diff's model, shared by every kind's diff: functions (lat) or stacks
 * (mem) paired across BASE profiles and a NEW one, each with its change, its
 * significance and a verdict; and the rules of order and naming they share.
 */
#ifndef SONDE_DIFF_CORE_H
#define SONDE_DIFF_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include "core/hist.h"
#include "out/run_meta.h"
#include "out/sonde_profile.h"

enum diff_metric { DIFF_P50, DIFF_P90, DIFF_P99, DIFF_MEAN, DIFF__METRICS };
enum diff_verdict {
	DIFF_REGRESSION,
	DIFF_IMPROVEMENT,
	DIFF_INCONCLUSIVE, /* too few runs, or too much noise, to tell */
	DIFF_UNCHANGED,	   /* the data shows the change is within --threshold */
	DIFF_NEW,
	DIFF_GONE,
};
/* What a verdict rests on: runs (2 or more on one side), or the slices of one run a side. */
enum diff_basis { DIFF_BY_RUNS, DIFF_BY_SLICES, DIFF_BY_NOTHING };
enum diff_severity { DIFF_CRITICAL, DIFF_WARNING, DIFF_INFO, DIFF_NONE };

/* What is compared: BASE runs against NEW runs, all of one kind. */
struct diff_runs {
	struct sonde_profile *const *base;
	size_t nr_base;
	struct sonde_profile *const *new;
	size_t nr_new;
};

struct diff_opts {
	enum diff_metric metric; /* --metric, default p90 */
	double threshold_pct;	 /* --threshold, default 10 */
	double alpha;		 /* --alpha, default 0.01 */
	double critical_pct;	 /* --critical, default 50 */
};

/* One side of a pair: its runs pooled. */
struct diff_side {
	__u64 calls;
	double rate;			/* calls per second of the run(s) */
	double value[DIFF__METRICS];	/* p50, p90, p99, mean in ns */
	__u64 hist[SONDE_HIST_BUCKETS]; /* pooled over the runs */
	__u64 min_ns, max_ns;
	size_t nr_runs;	 /* runs it was called in */
	double *runs;	 /* the metric in each of them */
	size_t nr_slices; /* time slices with calls enough for the metric, all runs */
};

/* What the verdict of a row rests on, and how sure it is (user/diff/diff_judge.h). */
struct diff_grounds {
	enum diff_basis basis;
	double noise_pct;      /* one standard deviation between runs (or slices) */
	double lo_pct, hi_pct; /* the change's confidence interval, at 1 - alpha */
	unsigned runs_needed;  /* inconclusive: runs a side that would likely settle it */
};

struct diff_row {
	const char *object; /* as in the new profile (or the base, for "gone") */
	const char *key;    /* its role: "" for the main executable, else the file name */
	const char *name;
	const char *mangled; /* the symbol's own name when it differs from name, or NULL */
	enum diff_verdict verdict;
	enum diff_severity severity;
	struct diff_side base, new;
	double change_pct[DIFF__METRICS];
	double rate_change_pct;
	double p_value;
	double base_lo, base_hi; /* the metric's spread across the base runs */
	struct diff_grounds grounds;
};

/* A memory stack paired across profiles (sonde mem): its growth of live bytes. */
struct diff_stack_row {
	char *name; /* its frames' functions, innermost first: "leak_block < run < main" */
	enum diff_verdict verdict;
	enum diff_severity severity;
	double base_growth, new_growth; /* bytes/s, least squares over each run's series */
	double change_pct;		/* of the growth, against max(|base|, 1 KiB/s) */
	double p_value;			/* the two slopes differ (normal test on their SEs) */
	double base_lo, base_hi;	/* the spread of growth across the base runs */
	double base_peak, new_peak;	/* peak live bytes */
	bool in_base, in_new;
	size_t nr_base_runs, nr_new_runs;
	struct diff_grounds grounds;
};

struct diff_report {
	enum profile_kind kind; /* of the profiles compared */
	enum diff_metric metric;
	struct diff_row *rows; /* sorted: regressions by severity and size first */
	size_t nr_rows;
	struct diff_stack_row *stacks; /* memory profiles: stacks, sorted the same way */
	size_t nr_stacks;
	size_t regressions;
	size_t nr_base_runs, nr_new_runs;
	size_t inconclusive;
	unsigned runs_needed; /* the most an inconclusive row asks for, a side ... */
	size_t too_noisy;     /* ... but for these, which no number of runs would settle */
	/* One run a side: the median change of the rows judged by slices, and
	 * whether it is beyond half the threshold (then none of them is called). */
	double shift_pct;
	bool shifted;
	char **notes; /* information: differing build-ids */
	size_t nr_notes;
};

void diff_report_free(struct diff_report *r);

/* Shared by every kind's diff. */
void diff_note_build_ids(struct diff_report *r, const struct run_meta *base,
			 const struct run_meta *now);
int diff_row_order(enum diff_verdict va, enum diff_severity sa, double ca, enum diff_verdict vb,
		   enum diff_severity sb, double cb);

const char *diff_metric_name(enum diff_metric m);
int diff_metric_parse(const char *s, enum diff_metric *m);
const char *diff_verdict_name(enum diff_verdict v);
const char *diff_severity_name(enum diff_severity s);
const char *diff_basis_name(enum diff_basis b);

#endif
