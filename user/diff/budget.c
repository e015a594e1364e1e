// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/hist.h"
#include "core/target.h"
#include "core/util.h"
#include "diff/budget.h"
#include "mem/mem_profile.h"

static const struct {
	const char *name;
	enum budget_unit unit;
	double q; /* the quantile; 0: not one */
} metrics[] = {
    [BUDGET_P50] = {"p50", UNIT_NS, 0.50},
    [BUDGET_P90] = {"p90", UNIT_NS, 0.90},
    [BUDGET_P99] = {"p99", UNIT_NS, 0.99},
    [BUDGET_P999] = {"p999", UNIT_NS, 0.999},
    [BUDGET_MEAN] = {"mean", UNIT_NS, 0},
    [BUDGET_MAX] = {"max", UNIT_NS, 0},
    [BUDGET_RSS] = {"rss", UNIT_BYTES, 0},
    [BUDGET_LIVE] = {"live", UNIT_BYTES, 0},
    [BUDGET_GROWTH] = {"growth", UNIT_BYTES_PER_S, 0},
};
#define NR_METRICS (sizeof(metrics) / sizeof(metrics[0]))

static const char budget_syntax[] = "write FUNCTION:METRIC<LIMIT, like 'handle_*:p99<2ms', "
				    "or for sonde mem rss<512MiB, live<100MiB, growth<1MiB/s";

enum budget_unit budget_metric_unit(enum budget_metric m)
{
	return metrics[m].unit;
}

const char *budget_metric_name(enum budget_metric m)
{
	return m < NR_METRICS ? metrics[m].name : "?";
}

const char *budget_verdict_name(enum budget_verdict v)
{
	static const char *const names[] = {"breach", "ok", "no_data"};

	return names[v];
}

static bool is_lat(const struct budget *b)
{
	return metrics[b->metric].unit == UNIT_NS;
}

/* The last single ':' (C++ "::" is part of a name): the metric comes after it. */
static const char *metric_colon(const char *s, const char *end)
{
	const char *p, *found = NULL;

	for (p = s; p < end; p++) {
		if (*p != ':')
			continue;
		if (p + 1 < end && p[1] == ':') {
			p++;
			continue;
		}
		found = p;
	}
	return found;
}

/* LIMIT in the metric's unit; a bare number is refused for a duration, where
 * "2" (seconds, as -d reads it) is more likely a slip than a limit. */
static int parse_limit(const char *s, enum budget_unit unit, double *limit)
{
	size_t n = strlen(s);
	char size[64];
	__u64 v;

	switch (unit) {
	case UNIT_NS:
		if (!n || (s[n - 1] >= '0' && s[n - 1] <= '9') || s[n - 1] == '.' ||
		    parse_duration_ns(s, &v))
			return -EINVAL;
		break;
	case UNIT_BYTES_PER_S:
		if (n < 3 || n - 2 >= sizeof(size) || strcmp(s + n - 2, "/s"))
			return -EINVAL;
		memcpy(size, s, n - 2);
		size[n - 2] = '\0';
		if (mem_parse_size(size, &v))
			return -EINVAL;
		break;
	default:
		if (mem_parse_size(s, &v))
			return -EINVAL;
	}
	*limit = (double)v;
	return 0;
}

static const char *limit_example(enum budget_unit unit)
{
	return unit == UNIT_NS	    ? "a duration above 0 with its unit (500us, 2ms, 1.5s)"
	       : unit == UNIT_BYTES ? "a size above 0 (512MiB, 64KiB, 2GiB)"
				    : "a size per second above 0 (1MiB/s, 64KiB/s)";
}

static int parse_budget(const char *text, struct budget *b)
{
	const char *lt = strchr(text, '<'), *colon;
	char head[1024];
	size_t i, n;

	if (strchr(text, '>'))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "--budget '%s': a budget is an upper limit, with '<' (%s)", text,
				  budget_syntax);
	if (!lt || lt[1] == '=' || strchr(lt + 1, '<'))
		return sonde_fail(SONDE_EXIT_INPUT, "--budget '%s': %s", text, budget_syntax);
	colon = metric_colon(text, lt);
	n = (size_t)(lt - (colon ? colon + 1 : text));
	for (i = 0; i < NR_METRICS; i++)
		if (strlen(metrics[i].name) == n && !strncmp(metrics[i].name, lt - n, n))
			break;
	if (i == NR_METRICS)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "--budget '%s': unknown metric '%.*s' (latency: p50, p90, p99, "
				  "p999, mean, max; memory: rss, live, growth)",
				  text, (int)n, lt - n);
	b->metric = i;
	if (is_lat(b) && !colon)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "--budget '%s': name the functions: FUNCTION:%s<LIMIT, like "
				  "'handle_*:%s<2ms'",
				  text, metrics[i].name, metrics[i].name);
	if (!is_lat(b) && colon)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "--budget '%s': %s is the whole run's, not a function's: write "
				  "'%s%s'",
				  text, metrics[i].name, metrics[i].name, lt);
	if (parse_limit(lt + 1, metrics[i].unit, &b->limit) || !(b->limit > 0))
		return sonde_fail(SONDE_EXIT_INPUT, "--budget '%s': the limit '%s' is not %s", text,
				  lt + 1, limit_example(metrics[i].unit));
	if (colon && (size_t)(colon - text) >= sizeof(head))
		return sonde_fail(SONDE_EXIT_INPUT, "--budget '%.64s...': too long", text);
	if (colon) {
		memcpy(head, text, colon - text);
		head[colon - text] = '\0';
		if (probe_spec_parse(head, &b->funcs))
			return sonde_fail(
			    SONDE_EXIT_INPUT,
			    "--budget '%s': bad FUNCTION '%s' (expected [OBJECT:]GLOB, "
			    "as a PROBE)",
			    text, head);
	}
	b->text = strdup(text);
	return b->text ? 0 : -ENOMEM;
}

int budget_add(struct budget_set *s, const char *text)
{
	struct budget b = {0}, *v;
	int err = parse_budget(text, &b);

	if (err) {
		probe_spec_free(&b.funcs);
		return err;
	}
	v = realloc(s->v, (s->nr + 1) * sizeof(*v));
	if (!v) {
		probe_spec_free(&b.funcs);
		free(b.text);
		return -ENOMEM;
	}
	s->v = v;
	s->v[s->nr++] = b;
	return 0;
}

void budget_set_free(struct budget_set *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		free(s->v[i].text);
		probe_spec_free(&s->v[i].funcs);
	}
	free(s->v);
	s->v = NULL;
	s->nr = 0;
}

int budget_check_kind(const struct budget_set *s, enum profile_kind kind, const char *cmd)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		if (is_lat(&s->v[i]) == (kind == PROFILE_LAT))
			continue;
		return sonde_fail(SONDE_EXIT_INPUT, "--budget '%s' is for %s, not %s", s->v[i].text,
				  is_lat(&s->v[i]) ? "latency (sonde lat)" : "memory (sonde mem)",
				  cmd);
	}
	return 0;
}

/* An OBJECT as a PROBE names it: a file name ("libc": libc.so.6), or a path. */
static bool object_matches(const char *want, const char *path)
{
	const char *base = strrchr(path, '/');

	if (strchr(want, '/'))
		return !strcmp(want, path);
	return target_object_name_matches(base ? base + 1 : path, want);
}

/* A PROBE without an OBJECT matches a function of any object: a budget is on
 * what was traced, and that is already chosen. */
static bool budget_matches(const struct budget *b, const char *object, const char *name,
			   const char *mangled)
{
	struct sym sym = {.name = mangled ? mangled : name, .demangled = mangled ? name : NULL};

	if (b->funcs.object && (!object || !object_matches(b->funcs.object, object)))
		return false;
	return glob_matches_sym(b->funcs.glob, &sym);
}

/* A traced name near the budget's glob, for a typo; NULL when none is near. */
static const char *nearest_name(const struct budget *b, const char *const *names, size_t nr)
{
	size_t limit = strlen(b->funcs.glob) / 3, best = (size_t)-1, i, d;
	const char *found = NULL;

	limit = limit < 1 ? 1 : limit > 3 ? 3 : limit;
	for (i = 0; i < nr; i++) {
		d = glob_distance(b->funcs.glob, names[i]);
		if (d <= limit && d < best) {
			best = d;
			found = names[i];
		}
	}
	return found;
}

static int no_match(const struct budget *b, const char *what, const char *const *names, size_t nr)
{
	const char *near = nearest_name(b, names, nr);

	if (near)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "--budget '%s' matches none of the %s functions (did you mean "
				  "'%s'?)",
				  b->text, what, near);
	return sonde_fail(SONDE_EXIT_INPUT,
			  "--budget '%s' matches none of the %s functions (its FUNCTION is a "
			  "glob over them, as a PROBE is over symbols)",
			  b->text, what);
}

int budget_check_probes(const struct budget_set *s, const struct probe_set *set)
{
	const char **names;
	size_t i, j;
	int err = 0;

	names = calloc(set->nr ? set->nr : 1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (j = 0; j < set->nr; j++)
		names[j] = set->sites[j].name;
	for (i = 0; i < s->nr && !err; i++) {
		const struct budget *b = &s->v[i];

		if (!is_lat(b))
			continue;
		for (j = 0; j < set->nr; j++)
			if (budget_matches(b, set->sites[j].object, set->sites[j].name,
					   set->sites[j].mangled))
				break;
		if (j == set->nr)
			err = no_match(b, "traced", names, set->nr);
	}
	free(names);
	return err;
}

/* ---- evaluation ---------------------------------------------------------- */

/* What one function did, from a profile or from a diff's pooled new side. */
struct fn_figures {
	const char *object, *name, *mangled;
	__u64 calls;
	const __u64 *hist;
	__u64 min_ns, max_ns;
	double mean_ns;
};

static int add_result(struct budget_eval *e, const struct budget_set *s, const struct budget *b,
		      const char *object, const char *target, double value, bool data)
{
	struct budget_result *v = realloc(e->v, (e->nr + 1) * sizeof(*v)), *r;

	if (!v)
		return -ENOMEM;
	e->v = v;
	r = &e->v[e->nr++];
	*r = (struct budget_result){.seq = e->nr - 1,
				    .budget = b,
				    .object = object,
				    .target = target,
				    .verdict = BUDGET_NO_DATA,
				    .severity = DIFF_NONE,
				    .value = NAN,
				    .over_pct = NAN};
	if (!data)
		return 0;
	/* Whole ns and bytes, as the report's JSON has them, so that both agree. */
	if (metrics[b->metric].unit != UNIT_BYTES_PER_S)
		value = round(value);
	r->value = value;
	r->over_pct = (value - b->limit) / b->limit * 100;
	r->verdict = value < b->limit ? BUDGET_OK : BUDGET_BREACH;
	if (r->verdict == BUDGET_BREACH) {
		r->severity = r->over_pct > s->critical_pct ? DIFF_CRITICAL : DIFF_WARNING;
		e->breaches++;
	}
	return 0;
}

static double fn_value(enum budget_metric m, const struct fn_figures *f)
{
	if (metrics[m].q > 0)
		return hist_quantile(f->hist, f->min_ns, f->max_ns, metrics[m].q);
	return m == BUDGET_MAX ? (double)f->max_ns : f->mean_ns;
}

/* Each latency budget on every function that it matches. */
static int eval_functions(const struct budget_set *s, const struct fn_figures *fns, size_t nr,
			  const char *what, struct budget_eval *e)
{
	const char **names = calloc(nr ? nr : 1, sizeof(*names));
	size_t i, j, matched;
	int err = 0;

	if (!names)
		return -ENOMEM;
	for (j = 0; j < nr; j++)
		names[j] = fns[j].name;
	for (i = 0; i < s->nr && !err; i++) {
		const struct budget *b = &s->v[i];

		if (!is_lat(b)) {
			err = budget_check_kind(s, PROFILE_LAT, "a latency profile");
			break;
		}
		for (j = matched = 0; j < nr && !err; j++) {
			const struct fn_figures *f = &fns[j];

			if (!budget_matches(b, f->object, f->name, f->mangled))
				continue;
			matched++;
			err = add_result(e, s, b, f->object, f->name, fn_value(b->metric, f),
					 f->calls > 0);
		}
		if (!err && !matched)
			err = no_match(b, what, names, nr);
	}
	free(names);
	return err;
}

static int result_order(const void *a, const void *b)
{
	const struct budget_result *x = a, *y = b;

	if (x->verdict != y->verdict)
		return x->verdict < y->verdict ? -1 : 1;
	if (x->severity != y->severity)
		return x->severity < y->severity ? -1 : 1;
	if (x->verdict == BUDGET_BREACH && x->over_pct != y->over_pct)
		return x->over_pct > y->over_pct ? -1 : 1;
	/* Then as given: budgets in their order, functions in the profile's. */
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The figures of n functions, for eval_functions(); *e emptied. NULL on ENOMEM. */
static struct fn_figures *figures_new(size_t n, struct budget_eval *e)
{
	memset(e, 0, sizeof(*e));
	return calloc(n ? n : 1, sizeof(struct fn_figures));
}

static int finish_eval(int err, struct budget_eval *e)
{
	if (err) {
		budget_eval_free(e);
		return err;
	}
	qsort(e->v, e->nr, sizeof(*e->v), result_order);
	return 0;
}

int budget_eval_lat(const struct budget_set *s, const struct lat_profile *p, struct budget_eval *e)
{
	struct fn_figures *fns = figures_new(p->nr_funcs, e);
	size_t i;
	int err;

	if (!fns)
		return -ENOMEM;
	for (i = 0; i < p->nr_funcs; i++) {
		const struct func_result *f = &p->funcs[i];

		fns[i] =
		    (struct fn_figures){.object = f->object,
					.name = f->name,
					.mangled = f->mangled,
					.calls = f->calls,
					.hist = f->hist,
					.min_ns = f->min_ns,
					.max_ns = f->max_ns,
					.mean_ns = f->calls ? (double)f->total_ns / f->calls : 0};
	}
	err = eval_functions(s, fns, p->nr_funcs, "profile's", e);
	free(fns);
	return finish_eval(err, e);
}

int budget_eval_diff(const struct budget_set *s, const struct diff_report *r, struct budget_eval *e)
{
	struct fn_figures *fns = figures_new(r->nr_rows, e);
	size_t i, n = 0;
	int err;

	if (!fns)
		return -ENOMEM;
	for (i = 0; i < r->nr_rows; i++) {
		const struct diff_row *row = &r->rows[i];

		/* Budgets hold for the new build: a function it no longer has is not in it. */
		if (row->verdict == DIFF_GONE)
			continue;
		fns[n++] = (struct fn_figures){.object = row->object,
					       .name = row->name,
					       .mangled = row->mangled,
					       .calls = row->new.calls,
					       .hist = row->new.hist,
					       .min_ns = row->new.min_ns,
					       .max_ns = row->new.max_ns,
					       .mean_ns = row->new.value[DIFF_MEAN]};
	}
	err = eval_functions(s, fns, n, "new runs'", e);
	free(fns);
	return finish_eval(err, e);
}

int budget_eval_mem(const struct budget_set *s, const struct mem_profile *p, struct budget_eval *e)
{
	size_t i;
	int err = 0;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < s->nr && !err; i++) {
		const struct budget *b = &s->v[i];
		double v;

		if (is_lat(b)) {
			err = budget_check_kind(s, PROFILE_MEM, "a memory profile");
			break;
		}
		v = b->metric == BUDGET_RSS    ? (double)p->rss_peak_bytes
		    : b->metric == BUDGET_LIVE ? (double)mem_profile_live_bytes(p, false)
					       : mem_profile_heap_growth(p);
		/* Growth needs a line through two samples at least. */
		err = add_result(e, s, b, NULL, NULL, v,
				 b->metric != BUDGET_GROWTH || p->nr_samples >= 2);
	}
	return finish_eval(err, e);
}

int budget_eval_profile(const struct budget_set *s, const struct sonde_profile *p,
			struct budget_eval *e)
{
	return p->kind == PROFILE_LAT ? budget_eval_lat(s, p->lat, e)
				      : budget_eval_mem(s, p->mem, e);
}

void budget_eval_free(struct budget_eval *e)
{
	free(e->v);
	memset(e, 0, sizeof(*e));
}
