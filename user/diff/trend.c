// SPDX-License-Identifier: GPL-2.0
/*
 * sonde trend: each function's metric (lat) or stack's growth (mem) over a
 * series of profiles, paired as sonde diff pairs them, and where it changed.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "diff/diff_lat.h"
#include "diff/diff_mem.h"
#include "diff/trend.h"

static struct trend_row *add_row(struct trend_report *r)
{
	struct trend_row *v = realloc(r->rows, (r->nr_rows + 1) * sizeof(*v));

	if (!v)
		return NULL;
	r->rows = v;
	memset(&v[r->nr_rows], 0, sizeof(*v));
	v[r->nr_rows].values = calloc(r->nr_profiles, sizeof(double));
	if (!v[r->nr_rows].values)
		return NULL;
	return &v[r->nr_rows++];
}

/*
 * f (of profile p) is a row already: one of that object role and name and
 * either its mangled name or, when it changed (a Rust hash), the function
 * diff would pair with the row in p.
 */
static bool lat_row_exists(const struct trend_report *r, const struct lat_profile *p,
			   const char *key, const struct func_result *f)
{
	size_t i;

	for (i = 0; i < r->nr_rows; i++) {
		const struct trend_row *row = &r->rows[i];

		if (strcmp(row->name, f->name) || strcmp(row->key, key))
			continue;
		if (row->mangled && f->mangled ? !strcmp(row->mangled, f->mangled)
					       : row->mangled == f->mangled)
			return true;
		if (diff_lat_find(p, key, row->name, row->mangled) == f)
			return true;
	}
	return false;
}

/* Rows for every function of any profile, the latest first (their object as
 * it is now), then each one's metric in each profile. */
static int lat_rows(struct trend_report *r, struct sonde_profile *const *profiles,
		    enum diff_metric m)
{
	size_t i, k, j;

	for (i = r->nr_profiles; i-- > 0;) {
		const struct lat_profile *p = profiles[i]->lat;

		for (k = 0; k < p->nr_funcs; k++) {
			const struct func_result *f = &p->funcs[k];
			const char *key = diff_lat_key(p, f->object);
			struct trend_row *row;

			if (lat_row_exists(r, p, key, f))
				continue;
			if (!(row = add_row(r)))
				return -ENOMEM;
			row->object = f->object;
			row->key = key;
			row->name = f->name;
			row->mangled = f->mangled;
		}
	}
	for (j = 0; j < r->nr_rows; j++) {
		struct trend_row *row = &r->rows[j];

		for (i = 0; i < r->nr_profiles; i++) {
			const struct func_result *f =
			    diff_lat_find(profiles[i]->lat, row->key, row->name, row->mangled);

			/* At least 1 ns: the change points compare logarithms. */
			row->values[i] = f && f->calls ? fmax(diff_lat_run_metric(f, m), 1) : NAN;
		}
	}
	return 0;
}

static int growth_cmp(const void *a, const void *b)
{
	return strcmp(((const struct diff_mem_growth *)a)->key,
		      ((const struct diff_mem_growth *)b)->key);
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One row per stack key of any profile, with its growth in each. */
static int mem_fill(struct trend_report *r, struct diff_mem_growth **g, const size_t *ng)
{
	size_t i, k, total = 0, n = 0;
	char **keys;

	for (i = 0; i < r->nr_profiles; i++)
		total += ng[i];
	keys = calloc(total ? total : 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (i = 0; i < r->nr_profiles; i++)
		for (k = 0; k < ng[i]; k++)
			keys[n++] = g[i][k].key;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (k = 0; k < n; k++) {
		struct trend_row *row;

		if (k && !strcmp(keys[k], keys[k - 1]))
			continue;
		if (!(row = add_row(r)) || !(row->owned_name = strdup(keys[k]))) {
			free(keys);
			return -ENOMEM;
		}
		row->name = row->owned_name;
		row->key = "";
		for (i = 0; i < r->nr_profiles; i++) {
			struct diff_mem_growth want = {.key = keys[k]}, *hit;

			hit = bsearch(&want, g[i], ng[i], sizeof(*g[i]), growth_cmp);
			row->values[i] = hit ? hit->growth : NAN;
		}
	}
	free(keys);
	return 0;
}

static int mem_rows(struct trend_report *r, struct sonde_profile *const *profiles)
{
	struct diff_mem_growth **g = calloc(r->nr_profiles, sizeof(*g));
	size_t *ng = calloc(r->nr_profiles, sizeof(*ng)), i;
	int err = g && ng ? 0 : -ENOMEM;

	for (i = 0; !err && i < r->nr_profiles; i++)
		err = diff_mem_growths(profiles[i]->mem, &g[i], &ng[i]);
	if (!err)
		err = mem_fill(r, g, ng);
	for (i = 0; g && i < r->nr_profiles; i++)
		diff_mem_growths_free(g[i], ng[i]);
	free(g);
	free(ng);
	return err;
}

/* The row's first and last values, their change, and its change points over
 * the profiles it is in (each point's index that of its profile). */
static int summarize(struct trend_row *row, size_t nr, const struct cp_opts *co)
{
	double *x = calloc(nr, sizeof(*x)), base;
	size_t *at = calloc(nr, sizeof(*at)), i, n = 0;
	int err = x && at ? 0 : -ENOMEM;
	struct cp_result found;

	for (i = 0; !err && i < nr; i++) {
		if (isnan(row->values[i]))
			continue;
		x[n] = row->values[i];
		at[n++] = i;
	}
	row->nr_present = n;
	row->outlier = CP_NO_OUTLIER;
	if (!err && n) {
		row->first = x[0];
		row->last = x[n - 1];
		base = co->scale == CP_SCALE_LOG ? row->first : fmax(fabs(row->first), co->floor);
		row->change_pct = base > 0 ? (row->last - row->first) / base * 100 : 0;
		err = changepoints_find(x, n, co, &found);
		row->points = found.points;
		row->nr_points = found.nr_points;
		if (found.outlier != CP_NO_OUTLIER)
			row->outlier = at[found.outlier];
	}
	for (i = 0; !err && i < row->nr_points; i++) {
		row->points[i].index = at[row->points[i].index];
		row->max_shift_pct = fmax(row->max_shift_pct, fabs(row->points[i].change_pct));
	}
	free(x);
	free(at);
	return err;
}

/* Changed rows first, the biggest shift first; then the biggest overall change. */
static int row_cmp(const void *a, const void *b)
{
	const struct trend_row *x = a, *y = b;
	double cx = fabs(x->change_pct), cy = fabs(y->change_pct);

	if (!x->nr_points != !y->nr_points)
		return x->nr_points ? -1 : 1;
	if (x->max_shift_pct != y->max_shift_pct)
		return x->max_shift_pct > y->max_shift_pct ? -1 : 1;
	if (cx != cy)
		return cx > cy ? -1 : 1;
	return strcmp(x->name, y->name);
}

int trend_compute(struct sonde_profile *const *profiles, const char *const *files, size_t nr,
		  const struct diff_opts *o, struct trend_report **out)
{
	struct trend_report *r = calloc(1, sizeof(*r));
	struct cp_opts co = {.threshold_pct = o->threshold_pct, .alpha = o->alpha};
	size_t i;
	int err;

	if (!r)
		return -ENOMEM;
	r->kind = profiles[0]->kind;
	r->metric = o->metric;
	r->threshold_pct = o->threshold_pct;
	r->alpha = o->alpha;
	r->nr_profiles = nr;
	r->files = files;
	if (r->kind == PROFILE_LAT) {
		co.scale = CP_SCALE_LOG;
		err = lat_rows(r, profiles, o->metric);
	} else {
		co.scale = CP_SCALE_LINEAR;
		co.floor = DIFF_GROWTH_FLOOR_BYTES_PER_S;
		err = mem_rows(r, profiles);
	}
	for (i = 0; !err && i < r->nr_rows; i++) {
		err = summarize(&r->rows[i], nr, &co);
		r->changed += r->rows[i].nr_points > 0;
	}
	if (err) {
		trend_report_free(r);
		return err;
	}
	qsort(r->rows, r->nr_rows, sizeof(*r->rows), row_cmp);
	*out = r;
	return 0;
}

void trend_report_free(struct trend_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nr_rows; i++) {
		free(r->rows[i].values);
		free(r->rows[i].points);
		free(r->rows[i].owned_name);
	}
	free(r->rows);
	free(r);
}
