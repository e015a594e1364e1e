// SPDX-License-Identifier: GPL-2.0
/*
 * sonde rules' model: from baselines and budgets to a list of alerting rules.
 * Functions are paired over the baselines as sonde diff and sonde trend pair
 * them (trend_compute() gives each one's metric in each run); budgets match
 * functions as their verdicts do (budget_eval_lat() on the paired functions).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/util.h"
#include "diff/diff_mem.h"
#include "diff/rules.h"
#include "diff/trend.h"

static const struct {
	const char *alert;
	enum budget_unit unit;
} kinds[RULE__KINDS] = {
    [RULE_LAT_REGRESSION] = {"SondeLatencyRegression", UNIT_NS},
    [RULE_LAT_BUDGET] = {"SondeLatencyBudget", UNIT_NS},
    [RULE_GROWTH_REGRESSION] = {"SondeHeapGrowthRegression", UNIT_BYTES_PER_S},
    [RULE_RSS_REGRESSION] = {"SondeRSSRegression", UNIT_BYTES},
    [RULE_GROWTH_BUDGET] = {"SondeHeapGrowthBudget", UNIT_BYTES_PER_S},
    [RULE_RSS_BUDGET] = {"SondeRSSBudget", UNIT_BYTES},
    [RULE_LIVE_BUDGET] = {"SondeHeapLiveBudget", UNIT_BYTES},
};

const char *rule_alert_name(enum rule_kind k)
{
	return kinds[k].alert;
}

enum budget_unit rule_unit(enum rule_kind k)
{
	return kinds[k].unit;
}

static struct rule_stat diff_stat(enum diff_metric m)
{
	static const double q[DIFF__METRICS] = {
	    [DIFF_P50] = 0.50, [DIFF_P90] = 0.90, [DIFF_P99] = 0.99, [DIFF_MEAN] = 0};

	return (struct rule_stat){diff_metric_name(m), q[m]};
}

/* A latency budget's statistic; max is not one a histogram can give. */
static int budget_stat(const struct budget *b, struct rule_stat *st)
{
	static const double q[] = {
	    [BUDGET_P50] = 0.50, [BUDGET_P90] = 0.90, [BUDGET_P99] = 0.99, [BUDGET_P999] = 0.999};

	if (b->metric == BUDGET_MAX)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "--budget '%s': a Prometheus histogram has no maximum; use p999 "
				  "or p99 in a rule",
				  b->text);
	*st = (struct rule_stat){budget_metric_name(b->metric),
				 b->metric == BUDGET_MEAN ? 0 : q[b->metric]};
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static struct rule *add_rule(struct rule_set *s, const struct rule *r)
{
	struct rule *v = realloc(s->v, (s->nr + 1) * sizeof(*v));

	if (!v)
		return NULL;
	s->v = v;
	v[s->nr] = *r;
	return &v[s->nr++];
}

static __u64 min_calls(const struct rules_opts *o, const struct rule_stat *st)
{
	if (o->min_calls != RULES_MIN_CALLS_AUTO)
		return o->min_calls;
	return st->q > 0 ? (__u64)llround(10 / (1 - st->q)) : 20;
}

/* The warning at limit(pct) and the critical at limit(critical_pct) of one alert. */
static int add_pair(struct rule_set *s, struct rule r, double ref, double warn_pct, double crit_pct)
{
	r.severity = DIFF_WARNING;
	r.pct = warn_pct;
	r.limit = ref * (1 + warn_pct / 100);
	if (!add_rule(s, &r))
		return -ENOMEM;
	r.severity = DIFF_CRITICAL;
	r.pct = crit_pct;
	r.limit = ref * (1 + crit_pct / 100);
	return add_rule(s, &r) ? 0 : -ENOMEM;
}

/* The values of one function over the runs it was called in (NAN elsewhere),
 * combined as diff weighs runs: the mean on its log scale, log(ns + 1). */
static double geometric_mean(const double *v, size_t nr, size_t *present)
{
	double x = 0;
	size_t i;

	*present = 0;
	for (i = 0; i < nr; i++) {
		if (isnan(v[i]))
			continue;
		x += log(v[i] + 1);
		(*present)++;
	}
	return *present ? expm1(x / (double)*present) : NAN;
}

/* Functions in name order (then object), so that a file diffs well between runs of sonde rules. */
static int row_cmp(const void *a, const void *b)
{
	const struct trend_row *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(base_name(x->object), base_name(y->object));
}

static int lat_regressions(struct rule_set *s, const struct trend_report *t,
			   const struct rules_opts *o)
{
	size_t i, present;
	int err = 0;

	for (i = 0; !err && i < t->nr_rows; i++) {
		const struct trend_row *row = &t->rows[i];
		double base = geometric_mean(row->values, t->nr_profiles, &present);
		struct rule r = {.kind = RULE_LAT_REGRESSION,
				 .function = row->name,
				 .object = base_name(row->object),
				 .stat = diff_stat(o->metric),
				 .baseline = base / 1e9,
				 .nr_runs = present};

		r.min_calls = min_calls(o, &r.stat);
		if (present)
			err = add_pair(s, r, r.baseline, o->threshold_pct, o->critical_pct);
	}
	return err;
}

/* A budget given twice makes one pair of rules (promtool refuses rules alike). */
static bool budget_repeated(const struct budget_set *s, const struct budget *b)
{
	const struct budget *p;

	for (p = s->v; p < b; p++)
		if (!strcmp(p->text, b->text))
			return true;
	return false;
}

static int result_seq_cmp(const void *a, const void *b)
{
	const struct budget_result *x = a, *y = b;

	return (x->seq > y->seq) - (x->seq < y->seq);
}

/*
 * Each latency budget on the functions of the baselines it matches (called
 * or not: a limit needs no baseline), matched by the budgets' own rule on a
 * profile of those functions, which also says "did you mean" for a typo.
 */
static int lat_budgets(struct rule_set *s, const struct trend_report *t, const struct rules_opts *o)
{
	struct lat_profile *p = lat_profile_new(t->nr_rows);
	struct budget_eval e = {0};
	struct budget_set b;
	size_t i;
	int err = p ? 0 : -ENOMEM;

	if (err || !o->budgets->nr)
		goto cleanup;
	for (i = 0; i < t->nr_rows; i++)
		p->funcs[i] = (struct func_result){.object = t->rows[i].object,
						   .name = t->rows[i].name,
						   .mangled = t->rows[i].mangled};
	b = *o->budgets;
	err = budget_check_kind(&b, PROFILE_LAT, "latency baselines (sonde lat -o)");
	for (i = 0; !err && i < b.nr; i++)
		if (budget_metric_unit(b.v[i].metric) == UNIT_NS) {
			struct rule_stat st;

			err = budget_stat(&b.v[i], &st);
		}
	if (!err)
		err = budget_eval_lat(&b, p, &e);
	/* Rules in the budgets' order, each on its functions in order. */
	qsort(e.v, e.nr, sizeof(*e.v), result_seq_cmp);
	for (i = 0; !err && i < e.nr; i++) {
		const struct budget_result *res = &e.v[i];
		struct rule r = {.kind = RULE_LAT_BUDGET};

		if (budget_repeated(&b, res->budget))
			continue;
		budget_stat(res->budget, &r.stat);
		r.min_calls = min_calls(o, &r.stat);
		r.function = res->target;
		r.object = base_name(res->object);
		r.budget = res->budget->text;
		err = add_pair(s, r, res->budget->limit / 1e9, 0, o->critical_pct);
	}
cleanup:
	budget_eval_free(&e);
	lat_profile_free(p);
	return err;
}

static int lat_rules(struct rule_set *s, struct sonde_profile *const *profiles, size_t nr,
		     const struct rules_opts *o)
{
	struct diff_opts d = {
	    .metric = o->metric, .threshold_pct = o->threshold_pct, .alpha = 0.01};
	struct trend_report *t = NULL;
	int err = trend_compute(profiles, NULL, nr, &d, &t);

	if (err)
		return err;
	qsort(t->rows, t->nr_rows, sizeof(*t->rows), row_cmp);
	err = lat_regressions(s, t, o);
	if (!err)
		err = lat_budgets(s, t, o);
	trend_report_free(t);
	return err;
}

static int mem_regressions(struct rule_set *s, struct sonde_profile *const *profiles, size_t nr,
			   const struct rules_opts *o)
{
	double growth = 0, rss = 0;
	size_t i, runs = 0;
	struct rule r = {0};
	int err = 0;

	for (i = 0; i < nr; i++) {
		const struct mem_profile *p = profiles[i]->mem;

		rss = fmax(rss, (double)p->rss_peak_bytes);
		/* Growth, as the growth budget measures it, needs a line through two samples. */
		if (p->nr_samples >= 2) {
			growth += mem_profile_heap_growth(p);
			runs++;
		}
	}
	if (runs) {
		r = (struct rule){.kind = RULE_GROWTH_REGRESSION,
				  .baseline = growth / (double)runs,
				  .nr_runs = runs};
		/* A flat (or shrinking) heap is measured against the floor diff uses,
		 * so that its warning is not set off by the noise around 0. */
		err = add_pair(s, r, fmax(r.baseline, DIFF_GROWTH_FLOOR_BYTES_PER_S),
			       o->threshold_pct, o->critical_pct);
	}
	if (!err && rss > 0) {
		r = (struct rule){.kind = RULE_RSS_REGRESSION, .baseline = rss, .nr_runs = nr};
		err = add_pair(s, r, rss, o->threshold_pct, o->critical_pct);
	}
	return err;
}

static int mem_budgets(struct rule_set *s, const struct rules_opts *o)
{
	const struct budget_set *b = o->budgets;
	size_t i;
	int err = budget_check_kind(b, PROFILE_MEM, "memory baselines (sonde mem -o)");

	for (i = 0; !err && i < b->nr; i++) {
		struct rule r = {.budget = b->v[i].text};

		if (budget_repeated(b, &b->v[i]))
			continue;
		r.kind = b->v[i].metric == BUDGET_RSS	 ? RULE_RSS_BUDGET
			 : b->v[i].metric == BUDGET_LIVE ? RULE_LIVE_BUDGET
							 : RULE_GROWTH_BUDGET;
		err = add_pair(s, r, b->v[i].limit, 0, o->critical_pct);
	}
	return err;
}

int rules_build(struct sonde_profile *const *profiles, size_t nr, const struct rules_opts *o,
		struct rule_set *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->kind = profiles[0]->kind;
	out->nr_baselines = nr;
	if (!(o->critical_pct > o->threshold_pct))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "--critical %g is not above --threshold %g: the critical alert "
				  "would fire with the warning or before it",
				  o->critical_pct, o->threshold_pct);
	if (out->kind == PROFILE_LAT) {
		err = lat_rules(out, profiles, nr, o);
	} else {
		err = mem_regressions(out, profiles, nr, o);
		if (!err)
			err = mem_budgets(out, o);
	}
	if (!err && !out->nr)
		err = sonde_fail(
		    SONDE_EXIT_INPUT,
		    out->kind == PROFILE_LAT
			? "no function was called in the baselines: no rule to make "
			  "(record them under load, or give a --budget)"
			: "the baselines have no RSS and no heap growth: no rule to make");
	if (err)
		rule_set_free(out);
	return err;
}

void rule_set_free(struct rule_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
