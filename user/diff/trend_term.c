// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "diff/trend_term.h"
#include "diff/diff_mem.h"
#include "mem/mem_profile.h"
#include "core/safe_text.h"
#include "probe/short_names.h"
#include "core/util.h"

/* Eight levels, lowest first: UTF-8 blocks (3 bytes each), or ASCII. */
static const char *const spark_utf8[8] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
static const char spark_ascii[] = "_.-~=+*#";

#define COL_RED	  "\033[31m"
#define COL_GREEN "\033[32m"
#define COL_RESET "\033[0m"

enum tcol { T_FIRST, T_LAST, T_CHANGE, T_POINTS, NR_TCOLS };

static bool is_lat(const struct trend_report *r)
{
	return r->kind == PROFILE_LAT;
}

static void fmt_value(char *buf, size_t len, const struct trend_report *r, double v)
{
	char b[32];

	if (is_lat(r))
		fmt_ns(buf, len, v);
	else
		snprintf(buf, len, "%s/s", mem_fmt_bytes(b, sizeof(b), v));
}

/*
 * The series as bars from its lowest value, to the height of its highest, but
 * no taller than a change of --threshold would make them: noise within the
 * threshold stays in the lower bars and a step fills the column.
 */
static void print_sparkline(FILE *f, const struct trend_report *r, const struct trend_row *row,
			    bool ascii)
{
	double lo = INFINITY, hi = -INFINITY, range,
	       floor = is_lat(r) ? 1 : DIFF_GROWTH_FLOOR_BYTES_PER_S;
	size_t i;

	for (i = 0; i < r->nr_profiles; i++) {
		if (isnan(row->values[i]))
			continue;
		lo = fmin(lo, row->values[i]);
		hi = fmax(hi, row->values[i]);
	}
	range = fmax(hi - lo, fmax(fabs(lo), floor) * r->threshold_pct / 100);
	for (i = 0; i < r->nr_profiles; i++) {
		double v = row->values[i];
		long level = isnan(v) || !(range > 0) ? 0 : lround((v - lo) / range * 7);

		if (isnan(v))
			fputc(' ', f); /* not in this profile */
		else if (ascii)
			fputc(spark_ascii[level < 0 ? 0 : level > 7 ? 7 : level], f);
		else
			fputs(spark_utf8[level < 0 ? 0 : level > 7 ? 7 : level], f);
	}
}

/* A row whose latest change point went up (slower, or growing faster) in red, down in green. */
static const char *row_color(const struct trend_row *row, const struct report_opts *o)
{
	if (!o->color || !row->nr_points)
		return "";
	return row->points[row->nr_points - 1].change_pct > 0 ? COL_RED : COL_GREEN;
}

/* "#3 +29.5% (p 2e-06), #7 -20.1% (p 0.003); #5 an outlier" */
void trend_fmt_points(char *buf, size_t len, const struct trend_row *row)
{
	size_t i, used = 0;

	buf[0] = '\0';
	if (!row->nr_points)
		snprintf(buf, len, "-");
	for (i = 0; i < row->nr_points && used < len; i++) {
		const struct changepoint *cp = &row->points[i];

		used += snprintf(buf + used, len - used,
				 cp->p_value < 1e-4 ? "%s#%zu %+.1f%% (p %.0e)"
						    : "%s#%zu %+.1f%% (p %.4f)",
				 i ? ", " : "", cp->index, cp->change_pct, cp->p_value);
	}
	if (row->outlier != CP_NO_OUTLIER && used < len)
		snprintf(buf + used, len - used, "; #%zu an outlier", row->outlier);
}

/* What each row shows as its name: lat functions shortened (and told apart)
 * as sonde diff shows them, prefixed by a library's name; mem stacks whole. */
static char **shown_names(const struct trend_report *r)
{
	struct name_row *rows = calloc(r->nr_rows ? r->nr_rows : 1, sizeof(*rows));
	char **names = NULL, *s;
	size_t i, len;

	if (!rows)
		return NULL;
	for (i = 0; i < r->nr_rows; i++)
		rows[i] = (struct name_row){r->rows[i].key, r->rows[i].name, r->rows[i].mangled};
	if (short_names(rows, r->nr_rows, SHORT_NAME_WIDTH, &names))
		names = NULL;
	free(rows);
	for (i = 0; names && i < r->nr_rows; i++) {
		if (!r->rows[i].key[0])
			continue;
		len = strlen(r->rows[i].key) + strlen(names[i]) + 2;
		if (!(s = malloc(len)))
			continue; /* the name alone, then */
		snprintf(s, len, "%s:%s", r->rows[i].key, names[i]);
		free(names[i]);
		names[i] = s;
	}
	return names;
}

/* Under the table: which profile each change point names. */
static void print_indexes(FILE *f, const struct trend_report *r)
{
	bool *named = calloc(r->nr_profiles, sizeof(*named));
	size_t i, k;

	if (!named)
		return;
	for (i = 0; i < r->nr_rows; i++)
		for (k = 0; k < r->rows[i].nr_points; k++)
			named[r->rows[i].points[k].index] = true;
	for (i = 0; i < r->nr_rows; i++)
		if (r->rows[i].outlier != CP_NO_OUTLIER)
			named[r->rows[i].outlier] = true;
	for (i = 0; i < r->nr_profiles; i++) {
		if (!named[i])
			continue;
		fprintf(f, "#%zu: ", i);
		safe_fputs(r->files[i], f);
		fputc('\n', f);
	}
	free(named);
}

int trend_report_term(FILE *f, const struct trend_report *r, const struct report_opts *o)
{
	static const char *const titles[NR_TCOLS] = {"FIRST", "LAST", "CHANGE", "CHANGE POINTS"};
	char(*cells)[NR_TCOLS][256] = calloc(r->nr_rows ? r->nr_rows : 1, sizeof(*cells));
	char **shown = is_lat(r) ? shown_names(r) : NULL;
	int w[NR_TCOLS], i, tw = (int)r->nr_profiles > 5 ? (int)r->nr_profiles : 5;
	size_t k;

	if (!cells || (is_lat(r) && !shown)) {
		free(cells);
		short_names_free(shown, r->nr_rows);
		return -ENOMEM;
	}
	for (i = 0; i < NR_TCOLS; i++)
		w[i] = (int)strlen(titles[i]);
	for (k = 0; k < r->nr_rows; k++) {
		const struct trend_row *row = &r->rows[k];

		fmt_value(cells[k][T_FIRST], sizeof(cells[k][0]), r, row->first);
		fmt_value(cells[k][T_LAST], sizeof(cells[k][0]), r, row->last);
		snprintf(cells[k][T_CHANGE], sizeof(cells[k][0]), "%+.1f%%", row->change_pct);
		trend_fmt_points(cells[k][T_POINTS], sizeof(cells[k][0]), row);
		for (i = 0; i < NR_TCOLS; i++)
			if ((int)strlen(cells[k][i]) > w[i])
				w[i] = (int)strlen(cells[k][i]);
	}
	fprintf(f,
		"%zu profiles, oldest first: %s over the series; a change point #N where it\n"
		"moved at profile N (from 0) by %g%% or more, at alpha %g\n",
		r->nr_profiles, is_lat(r) ? diff_metric_name(r->metric) : "growth of live bytes",
		r->threshold_pct, r->alpha);
	fprintf(f, "%*s  %*s  %*s  %-*s  %-*s  %s\n", w[0], titles[0], w[1], titles[1], w[2],
		titles[2], tw, "TREND", w[3], titles[3], is_lat(r) ? "FUNCTION" : "STACK");
	for (k = 0; k < r->nr_rows; k++) {
		fprintf(f, "%s%*s  %*s  %*s  ", row_color(&r->rows[k], o), w[0], cells[k][0], w[1],
			cells[k][1], w[2], cells[k][2]);
		print_sparkline(f, r, &r->rows[k], o->ascii);
		fprintf(f, "%*s  %-*s  ", tw - (int)r->nr_profiles, "", w[3], cells[k][3]);
		safe_fputs(shown ? shown[k] : r->rows[k].name, f);
		fprintf(f, "%s\n", *row_color(&r->rows[k], o) ? COL_RESET : "");
	}
	fprintf(f, "%zu of %zu %s changed\n", r->changed, r->nr_rows,
		is_lat(r) ? "functions" : "stacks");
	print_indexes(f, r);
	free(cells);
	short_names_free(shown, r->nr_rows);
	return 0;
}

/* A value for JSON: integer nanoseconds (lat), bytes/s (mem), null where absent. */
static json_t *value_json(const struct trend_report *r, double v)
{
	if (isnan(v))
		return json_null();
	return is_lat(r) ? json_integer((json_int_t)llround(v)) : json_real(v);
}

static json_t *row_json(const struct trend_report *r, const struct trend_row *row)
{
	const char *unit = is_lat(r) ? "ns" : "bytes_per_s";
	json_t *o = json_object(), *values = json_array(), *points = json_array();
	char key[64];
	size_t i;

	if (!o || !values || !points) {
		json_decref(o);
		json_decref(values);
		json_decref(points);
		return NULL;
	}
	json_object_set_new(o, "kind", json_string(is_lat(r) ? "function" : "stack"));
	if (row->object)
		json_object_set_new(o, "object", json_string(row->object));
	json_object_set_new(o, "name", json_string(row->name));
	if (row->mangled)
		json_object_set_new(o, "mangled", json_string(row->mangled));
	for (i = 0; i < r->nr_profiles; i++)
		json_array_append_new(values, value_json(r, row->values[i]));
	snprintf(key, sizeof(key), "values_%s", unit);
	json_object_set_new(o, key, values);
	snprintf(key, sizeof(key), "first_%s", unit);
	json_object_set_new(o, key, value_json(r, row->first));
	snprintf(key, sizeof(key), "last_%s", unit);
	json_object_set_new(o, key, value_json(r, row->last));
	json_object_set_new(o, "change_pct", json_real(row->change_pct));
	for (i = 0; i < row->nr_points; i++) {
		const struct changepoint *cp = &row->points[i];
		json_t *p = json_object();

		if (!p)
			break;
		json_object_set_new(p, "index", json_integer((json_int_t)cp->index));
		json_object_set_new(p, "profile", json_string(r->files[cp->index]));
		snprintf(key, sizeof(key), "before_%s", unit);
		json_object_set_new(p, key, value_json(r, cp->before));
		snprintf(key, sizeof(key), "after_%s", unit);
		json_object_set_new(p, key, value_json(r, cp->after));
		json_object_set_new(p, "change_pct", json_real(cp->change_pct));
		json_object_set_new(p, "p_value", json_real(cp->p_value));
		json_array_append_new(points, p);
	}
	json_object_set_new(o, "change_points", points);
	/* The largest change point in scalars too, for tables (CSV) that keep no arrays. */
	json_object_set_new(o, "nr_change_points", json_integer((json_int_t)row->nr_points));
	if (row->nr_points) {
		const struct changepoint *big = &row->points[0];

		for (i = 1; i < row->nr_points; i++)
			if (fabs(row->points[i].change_pct) > fabs(big->change_pct))
				big = &row->points[i];
		json_object_set_new(o, "largest_change_index",
				    json_integer((json_int_t)big->index));
		json_object_set_new(o, "largest_change_pct", json_real(big->change_pct));
		json_object_set_new(o, "largest_change_p_value", json_real(big->p_value));
	}
	/* The run the change points were found without (changepoint.h). */
	if (row->outlier != CP_NO_OUTLIER) {
		json_object_set_new(o, "outlier_index", json_integer((json_int_t)row->outlier));
		json_object_set_new(o, "outlier_profile", json_string(r->files[row->outlier]));
	}
	return o;
}

json_t *trend_report_to_json(const struct trend_report *r)
{
	json_t *root = json_pack("{s:s, s:s, s:s, s:f, s:f, s:I}", "type", "trend", "kind",
				 is_lat(r) ? "lat" : "mem", "metric",
				 is_lat(r) ? diff_metric_name(r->metric) : "growth_bytes_per_s",
				 "threshold_pct", r->threshold_pct, "alpha", r->alpha, "changed",
				 (json_int_t)r->changed);
	json_t *profiles = json_array(), *rows = json_array();
	size_t k;

	if (!root || !profiles || !rows) {
		json_decref(profiles);
		json_decref(rows);
		json_decref(root);
		return NULL;
	}
	for (k = 0; k < r->nr_profiles; k++)
		json_array_append_new(profiles, json_string(r->files[k]));
	for (k = 0; k < r->nr_rows; k++)
		json_array_append_new(rows, row_json(r, &r->rows[k]));
	json_object_set_new(root, "profiles", profiles);
	json_object_set_new(root, "rows", rows);
	return root;
}

int trend_report_json(FILE *f, const struct trend_report *r, const struct report_opts *o)
{
	(void)o;
	return format_json_line(f, trend_report_to_json(r));
}
