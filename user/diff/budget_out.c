// SPDX-License-Identifier: GPL-2.0
/* Budgets shown: the block before a report, and the JSON array (user/diff/budget.h). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "core/util.h"
#include "diff/budget.h"
#include "mem/mem_profile.h"
#include "out/term.h"

static const char *fmt_value(char *buf, size_t len, enum budget_metric m, double v)
{
	size_t n;

	switch (budget_metric_unit(m)) {
	case UNIT_NS:
		return fmt_ns(buf, len, v);
	case UNIT_BYTES:
		return mem_fmt_bytes(buf, len, v);
	default:
		mem_fmt_bytes(buf, len, v);
		n = strlen(buf);
		snprintf(buf + n, len - n, "/s");
		return buf;
	}
}

/* "+55 %", "+4.2 %", "-94 %". */
static const char *fmt_pct(char *buf, size_t len, double pct)
{
	snprintf(buf, len, fabs(pct) < 9.95 ? "%+.1f %%" : "%+.0f %%", pct);
	return buf;
}

/* As sonde diff colours a regression: bold red when critical, red when not. */
static const char *result_color(const struct budget_result *r)
{
	if (r->verdict != BUDGET_BREACH)
		return "";
	return r->severity == DIFF_CRITICAL ? TERM_BOLD_RED : TERM_RED;
}

void budget_print_term(FILE *f, const struct budget_eval *e, bool color)
{
	char v[32], l[32], pct[32];
	size_t i;

	for (i = 0; i < e->nr; i++) {
		const struct budget_result *r = &e->v[i];
		enum budget_metric m = r->budget->metric;
		const char *c = term_color(color, result_color(r));

		fprintf(f, "%sbudget ", c);
		if (r->verdict == BUDGET_BREACH)
			fprintf(f, "breached (%s) ", diff_severity_name(r->severity));
		else
			fprintf(f, "%s ", r->verdict == BUDGET_OK ? "ok" : "no data");
		if (r->target)
			fprintf(f, "%s ", r->target);
		fmt_value(l, sizeof(l), m, r->budget->limit);
		if (r->verdict == BUDGET_NO_DATA) {
			fprintf(f, "%s < %s: %s\n", budget_metric_name(m), l,
				m == BUDGET_GROWTH ? "no samples" : "not called");
			continue;
		}
		fprintf(f, "%s %s %s %s (%s)\n", budget_metric_name(m),
			fmt_value(v, sizeof(v), m, r->value),
			r->verdict == BUDGET_OK	      ? "<"
			: r->value > r->budget->limit ? ">"
						      : ">=",
			l, fmt_pct(pct, sizeof(pct), r->over_pct));
	}
	if (e->nr)
		fprintf(f, "\n");
}

static json_t *number(enum budget_metric m, double v)
{
	if (isnan(v))
		return json_null();
	if (budget_metric_unit(m) == UNIT_BYTES_PER_S)
		return json_real(v);
	return json_integer((json_int_t)v);
}

json_t *budget_json(const struct budget_eval *e)
{
	static const char *const units[] = {"ns", "bytes", "bytes_per_s"};
	json_t *arr = json_array(), *o;
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < e->nr; i++) {
		const struct budget_result *r = &e->v[i];
		enum budget_metric m = r->budget->metric;

		o = json_pack(
		    "{s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:s, s:s}", "budget", r->budget->text,
		    "target", r->target ? json_string(r->target) : json_null(), "metric",
		    budget_metric_name(m), "unit", units[budget_metric_unit(m)], "limit",
		    number(m, r->budget->limit), "value", number(m, r->value), "over_pct",
		    isnan(r->over_pct) ? json_null() : json_real(r->over_pct), "verdict",
		    budget_verdict_name(r->verdict), "severity", diff_severity_name(r->severity));
		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
		if (r->object)
			json_object_set_new(o, "object", json_string(r->object));
	}
	return arr;
}

struct json_t *budget_json_add(struct json_t *root, const struct budget_eval *e)
{
	json_t *b;

	if (!root || !e)
		return root;
	b = budget_json(e);
	if (!b || json_object_set_new(root, "budgets", b)) {
		json_decref(root);
		return NULL;
	}
	return root;
}
