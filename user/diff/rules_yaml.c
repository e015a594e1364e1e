// SPDX-License-Identifier: GPL-2.0
/* sonde rules' YAML: one Prometheus rule group, PromQL over the exporter's metrics. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/safe_text.h"
#include "core/util.h"
#include "diff/diff_mem.h"
#include "diff/rules_yaml.h"
#include "mem/mem_profile.h"

/* ---- escaping ------------------------------------------------------------- */

/*
 * s inside a double-quoted string whose escapes are '\\' and '\"' (PromQL's
 * and YAML's alike, once control characters are gone); with `tmpl`, each
 * "{{" as a Go template that prints it, for Prometheus expands labels and
 * annotations as templates.
 */
static void put_escaped(FILE *f, const char *s, bool tmpl)
{
	for (; *s; s++) {
		if (tmpl && s[0] == '{' && s[1] == '{') {
			fputs("{{ \\\"{{\\\" }}", f);
			s++;
		} else {
			if (*s == '\\' || *s == '"')
				fputc('\\', f);
			fputc(*s, f);
		}
	}
}

/* A name in a label or an annotation (YAML string, template). */
static void put_name(FILE *f, const char *s)
{
	char *v = safe_text_dup(s);

	put_escaped(f, v ? v : "?", true);
	free(v);
}

/* A name as a PromQL string's content (in a YAML literal block), or in a YAML
 * string that is not a template (the group's name): no template escapes. */
static void put_plain_name(FILE *f, const char *s)
{
	char *v = safe_text_dup(s);

	put_escaped(f, v ? v : "?", false);
	free(v);
}

/* ---- durations, names, labels --------------------------------------------- */

int rules_prom_duration(__u64 ns, char *buf, size_t len)
{
	static const struct {
		const char *unit;
		__u64 ms;
	} units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
	__u64 ms = ns / 1000000;
	size_t i;

	if (ns % 1000000 || !ms)
		return -EINVAL;
	for (i = 0; ms % units[i].ms; i++)
		;
	snprintf(buf, len, "%llu%s", (unsigned long long)(ms / units[i].ms), units[i].unit);
	return 0;
}

const char *rules_group_name(const char *file, char *buf, size_t len)
{
	const char *base = strrchr(file, '/'), *dot;
	size_t n;

	base = base ? base + 1 : file;
	n = strlen(base);
	if (n > 3 && !strcmp(base + n - 3, ".gz"))
		n -= 3;
	if (n > 6 && !strncmp(base + n - 6, ".sonde", 6))
		n -= 6;
	else if ((dot = memrchr(base, '.', n)) && dot > base)
		n = (size_t)(dot - base);
	snprintf(buf, len, "sonde-%.*s", (int)n, base);
	return buf;
}

static bool is_label_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

int rules_check_by(const char *by)
{
	static const char *const own[] = {"function", "object", "le"};
	const char *p = by, *end;
	size_t n, i;

	for (;;) {
		end = strchr(p, ',');
		n = end ? (size_t)(end - p) : strlen(p);
		if (!n)
			return -EINVAL;
		for (i = 0; i < n; i++)
			if (!is_label_char(p[i], i == 0))
				return -EINVAL;
		for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
			if (strlen(own[i]) == n && !strncmp(own[i], p, n))
				return -EINVAL;
		if (!end)
			return 0;
		p = end + 1;
	}
}

/* ---- expressions ---------------------------------------------------------- */

/* The series selector of one function: {function="...",object="..."}[WINDOW]. */
static void put_selector(FILE *f, const char *metric, const struct rule *r, const char *window)
{
	fprintf(f, "%s{function=\"", metric);
	put_plain_name(f, r->function);
	fputs("\",object=\"", f);
	put_plain_name(f, r->object);
	fprintf(f, "\"}[%s]", window);
}

/* sum by (le?, function, object, BY) (rate(METRIC{...}[WINDOW])) */
static void put_sum_rate(FILE *f, const char *metric, bool le, const struct rule *r,
			 const struct rules_yaml_opts *o, const char *window)
{
	fprintf(f, "sum by (%sfunction, object%s%s) (rate(", le ? "le, " : "", o->by ? ", " : "",
		o->by ? o->by : "");
	put_selector(f, metric, r, window);
	fputs("))", f);
}

/* The exporter's latency histogram (user/out/prom_lat.c). */
#define HIST "sonde_function_duration_seconds"

/* A function's statistic over the window, in seconds. */
static void put_latency(FILE *f, const struct rule *r, const struct rules_yaml_opts *o,
			const char *window)
{
	if (r->stat.q > 0) {
		fprintf(f, "histogram_quantile(%g, ", r->stat.q);
		put_sum_rate(f, o->native ? HIST : HIST "_bucket", !o->native, r, o, window);
		fputc(')', f);
	} else if (o->native) {
		fputs("histogram_sum(", f);
		put_sum_rate(f, HIST, false, r, o, window);
		fputs(") / histogram_count(", f);
		put_sum_rate(f, HIST, false, r, o, window);
		fputc(')', f);
	} else {
		put_sum_rate(f, HIST "_sum", false, r, o, window);
		fputs(" / ", f);
		put_sum_rate(f, HIST "_count", false, r, o, window);
	}
}

/* The function's calls over the window: what its statistic rests on. */
static void put_calls(FILE *f, const struct rule *r, const struct rules_yaml_opts *o,
		      const char *window)
{
	fprintf(f, "%ssum by (function, object%s%s) (increase(",
		o->native ? "histogram_count(" : "", o->by ? ", " : "", o->by ? o->by : "");
	put_selector(f, o->native ? HIST : HIST "_count", r, window);
	fputs(o->native ? ")))" : "))", f);
}

/* A budget is breached at its limit (budget.h); a regression above its own. */
static const char *comparison(const struct rule *r)
{
	return r->budget && r->severity == DIFF_WARNING ? ">=" : ">";
}

/* Seconds to the nanosecond, without exponent or trailing zeros; bytes whole. */
static const char *limit_text(const struct rule *r, char *buf, size_t len)
{
	size_t n;

	if (rule_unit(r->kind) != UNIT_NS) {
		snprintf(buf, len, "%.0f", r->limit);
		return buf;
	}
	n = (size_t)snprintf(buf, len, "%.9f", r->limit);
	while (n > 1 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 1 && buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}

static void put_expr(FILE *f, const struct rule *r, const struct rules_yaml_opts *o,
		     const char *window)
{
	char num[64];

	fputs("        expr: |-\n          ", f);
	switch (r->kind) {
	case RULE_LAT_REGRESSION:
	case RULE_LAT_BUDGET:
		if (r->min_calls) {
			fputc('(', f);
			put_latency(f, r, o, window);
			fprintf(f, " %s %s)\n          and on (function, object%s%s) ",
				comparison(r), limit_text(r, num, sizeof(num)), o->by ? ", " : "",
				o->by ? o->by : "");
			put_calls(f, r, o, window);
			fprintf(f, " >= %llu\n", (unsigned long long)r->min_calls);
			return;
		}
		put_latency(f, r, o, window);
		break;
	case RULE_GROWTH_REGRESSION:
	case RULE_GROWTH_BUDGET:
		fprintf(f, "deriv(sonde_heap_live_bytes[%s])", window);
		break;
	case RULE_RSS_REGRESSION:
	case RULE_RSS_BUDGET:
		fputs("sonde_rss_bytes", f);
		break;
	default:
		fputs("sonde_heap_live_bytes", f);
	}
	fprintf(f, " %s %s\n", comparison(r), limit_text(r, num, sizeof(num)));
}

/* ---- annotations ---------------------------------------------------------- */

/* A value of the rule's unit as sonde prints it: "2.00ms", "1.50KiB", "1.50KiB/s". */
static void put_value(FILE *f, const struct rule *r, double v)
{
	char buf[32];

	if (rule_unit(r->kind) == UNIT_NS)
		fputs(fmt_ns(buf, sizeof(buf), v * 1e9), f);
	else
		fprintf(f, "%s%s", mem_fmt_bytes(buf, sizeof(buf), v),
			rule_unit(r->kind) == UNIT_BYTES_PER_S ? "/s" : "");
}

/* What the alert measures, as its description begins: "p90 of step_lookup in abswitch". */
static void put_subject(FILE *f, const struct rule *r)
{
	switch (r->kind) {
	case RULE_LAT_REGRESSION:
	case RULE_LAT_BUDGET:
		fprintf(f, "%s latency of ", r->stat.name);
		put_name(f, r->function);
		fputs(" in ", f);
		put_name(f, r->object);
		break;
	case RULE_GROWTH_REGRESSION:
	case RULE_GROWTH_BUDGET:
		fputs("live heap growth", f);
		break;
	case RULE_RSS_REGRESSION:
	case RULE_RSS_BUDGET:
		fputs("RSS", f);
		break;
	default:
		fputs("live heap", f);
	}
}

/* " over the last 5m" where the value is one over a window; nothing for a gauge. */
static void put_window(FILE *f, const struct rule *r, const char *window)
{
	if (r->kind != RULE_RSS_REGRESSION && r->kind != RULE_RSS_BUDGET &&
	    r->kind != RULE_LIVE_BUDGET)
		fprintf(f, " over the last %s", window);
}

/* The current value as Prometheus's templates print it. */
static const char *current_value(const struct rule *r)
{
	switch (rule_unit(r->kind)) {
	case UNIT_NS:
		return "{{ $value | humanizeDuration }}";
	case UNIT_BYTES:
		return "{{ $value | humanize1024 }}B";
	default:
		return "{{ $value | humanize1024 }}B/s";
	}
}

static void put_min_calls(FILE *f, const struct rule *r, const char *window)
{
	if (r->min_calls)
		fprintf(f, " Only with %llu calls or more in %s: a %s of fewer is noise.",
			(unsigned long long)r->min_calls, window, r->stat.name);
}

static void put_files(FILE *f, const struct rules_yaml_opts *o)
{
	size_t i;

	for (i = 0; i < o->nr_files; i++) {
		fputs(i ? ", " : "", f);
		put_name(f, o->files[i]);
	}
}

/* How the baseline was made from the runs, as sonde diff weighs them. */
static const char *baseline_method(const struct rule *r)
{
	switch (r->kind) {
	case RULE_LAT_REGRESSION:
		return r->nr_runs > 1 ? "the geometric mean of its runs' values"
				      : "its run's value";
	case RULE_GROWTH_REGRESSION:
		return r->nr_runs > 1 ? "the mean of the runs' growth" : "the run's growth";
	default:
		return r->nr_runs > 1 ? "the highest of the runs' peaks" : "the run's peak";
	}
}

static void put_regression_text(FILE *f, const struct rule *r, double other_pct,
				const struct rules_yaml_opts *o, const char *window)
{
	fprintf(f, "        annotations:\n          summary: \"");
	put_subject(f, r);
	fprintf(f, " more than %g %% above its baseline\"\n          description: \"The ", r->pct);
	put_subject(f, r);
	put_window(f, r, window);
	fprintf(f, " is %s; this alert fires above ", current_value(r));
	put_value(f, r, r->limit);
	fprintf(f, ", the baseline ");
	put_value(f, r, r->baseline);
	if (r->kind == RULE_GROWTH_REGRESSION && r->baseline < DIFF_GROWTH_FLOOR_BYTES_PER_S)
		fprintf(f, " (counted as %.0f B/s, the floor sonde diff measures growth against)",
			DIFF_GROWTH_FLOOR_BYTES_PER_S);
	fprintf(f, " + %g %% (%s; %s above + %g %%). Baseline: %s, in %zu of %zu runs: ", r->pct,
		diff_severity_name(r->severity),
		r->severity == DIFF_WARNING ? "critical" : "warning", other_pct, baseline_method(r),
		r->nr_runs, o->nr_files);
	put_files(f, o);
	fputc('.', f);
	put_min_calls(f, r, window);
	fputs("\"\n", f);
}

static void put_budget_text(FILE *f, const struct rule *r, const char *window)
{
	fprintf(f, "        annotations:\n          summary: \"");
	put_subject(f, r);
	fputs(r->severity == DIFF_WARNING ? " over its budget '" : " far over its budget '", f);
	put_name(f, r->budget);
	fputs("'\"\n          description: \"The ", f);
	put_subject(f, r);
	put_window(f, r, window);
	fprintf(f, " is %s, %s ", current_value(r), comparison(r));
	put_value(f, r, r->limit);
	if (r->severity == DIFF_WARNING)
		fputs(": the budget '", f);
	else
		fprintf(f, ", %g %% over the budget '", r->pct);
	put_name(f, r->budget);
	fputs("' (sonde's budgets: a breach is a warning, critical beyond --critical).", f);
	put_min_calls(f, r, window);
	fputs("\"\n", f);
}

/* Rules come in pairs, the warning first: the other one's threshold, for the description. */
static double other_pct(const struct rule_set *s, size_t i)
{
	return s->v[i].severity == DIFF_WARNING ? s->v[i + 1].pct : s->v[i - 1].pct;
}

static void put_rule(FILE *f, const struct rule_set *s, size_t i, const struct rules_yaml_opts *o,
		     const char *window, const char *pending)
{
	const struct rule *r = &s->v[i];

	fprintf(f, "      - alert: %s\n", rule_alert_name(r->kind));
	put_expr(f, r, o, window);
	fprintf(f, "        for: %s\n        labels:\n          severity: %s\n", pending,
		diff_severity_name(r->severity));
	if (r->function) {
		fputs("          function: \"", f);
		put_name(f, r->function);
		fputs("\"\n          object: \"", f);
		put_name(f, r->object);
		fputs("\"\n", f);
	}
	/* Two budgets on one function are two alerts: its labels tell them apart. */
	if (r->budget) {
		fputs("          budget: \"", f);
		put_name(f, r->budget);
		fputs("\"\n", f);
	}
	if (r->budget)
		put_budget_text(f, r, window);
	else
		put_regression_text(f, r, other_pct(s, i), o, window);
}

int rules_yaml_write(FILE *f, const struct rule_set *s, const struct rules_yaml_opts *o)
{
	char window[32], pending[32];
	size_t i;

	if (rules_prom_duration(o->window_ns, window, sizeof(window)))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "--window: Prometheus ranges are whole milliseconds (try 5m)");
	if (rules_prom_duration(o->for_ns, pending, sizeof(pending)))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "--for: Prometheus durations are whole milliseconds (try 10m)");
	fprintf(f, "# Prometheus alerting rules made by sonde rules from %zu baseline%s: ",
		o->nr_files, o->nr_files == 1 ? "" : "s");
	for (i = 0; i < o->nr_files; i++) {
		fputs(i ? ", " : "", f);
		safe_fputs(o->files[i], f);
	}
	if (s->kind == PROFILE_LAT)
		fprintf(f, "\n# Latency from %s histograms.",
			o->native ? "native" : "classic (le bucket)");
	fputs("\n# Check with: promtool check rules FILE\ngroups:\n", f);
	fputs("  - name: \"", f);
	put_plain_name(f, o->group);
	fputs("\"\n    rules:\n", f);
	for (i = 0; i < s->nr; i++)
		put_rule(f, s, i, o, window, pending);
	return fflush(f) || ferror(f) ? -EIO : 0;
}
