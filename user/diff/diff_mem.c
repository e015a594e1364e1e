// SPDX-License-Identifier: GPL-2.0
/*
 * sonde diff on memory profiles: stacks paired by the functions on them (not
 * their offsets, which move between builds), compared on the growth of their
 * live bytes, with the same rules as latency: a big enough change, a
 * significant one, and outside the spread of the base runs.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/fit.h"
#include "diff/diff_mem.h"
#include "core/util.h"

/* Growth changes are relative to at least this, so a flat base is not a division by ~0. */
#define GROWTH_FLOOR_BYTES_PER_S 1024.0

static char *stack_key(const struct mem_stack *s)
{
	size_t len = 16, used = 0, i;
	char fn[256], *key;

	for (i = 0; i < s->nr_frames; i++)
		len += strlen(s->frames[i]) + 3;
	key = malloc(len);
	if (!key)
		return NULL;
	key[0] = '\0';
	for (i = 0; i < s->nr_frames; i++) {
		const char *f = mem_frame_function(s->frames[i], fn, sizeof(fn));
		const char *plus = f[0] == '(' ? strrchr(f, '+') : NULL;

		/* An unsymbolized address moves with ASLR: it pairs as "?"; an offset
		 * in an object without symbols moves between builds: "(object)". */
		if (plus)
			used += snprintf(key + used, len - used, "%s%.*s)", i ? " < " : "",
					 (int)(plus - f), f);
		else
			used += snprintf(key + used, len - used, "%s%s", i ? " < " : "",
					 strncmp(f, "0x", 2) ? f : "?");
	}
	if (!s->nr_frames)
		used += snprintf(key + used, len - used, "(no stack)");
	if (s->mmap)
		snprintf(key + used, len - used, " [mmap]");
	return key;
}

/* Every stack of p with this key, added up: the same functions can allocate
 * from several call sites, or in several processes. */
struct merged_stack {
	bool found;
	double *series; /* p->nr_samples values */
	double growth;	/* the stored growth, when the series is too short to refit */
	double peak;
};

static int merge_stacks(const struct mem_profile *p, const char *key, struct merged_stack *ms)
{
	size_t i, k;

	memset(ms, 0, sizeof(*ms));
	ms->series = calloc(p->nr_samples ? p->nr_samples : 1, sizeof(*ms->series));
	if (!ms->series)
		return -ENOMEM;
	for (i = 0; i < p->nr_stacks; i++) {
		const struct mem_stack *s = &p->stacks[i];
		char *k2 = stack_key(s);
		bool same = k2 && !strcmp(k2, key);

		free(k2);
		if (!same)
			continue;
		ms->found = true;
		ms->growth += s->growth_bytes_per_s;
		ms->peak += (double)s->live_bytes;
		for (k = 0; k < p->nr_samples; k++)
			ms->series[k] += s->series[k];
	}
	for (k = 0; k < p->nr_samples; k++)
		ms->peak = fmax(ms->peak, ms->series[k]);
	return 0;
}

/* Slope of the series and its standard error, by least squares; se = -1 when
 * fewer than 3 samples leave it unknown. */
static void slope_and_se(const struct mem_profile *p, const struct merged_stack *ms, double *slope,
			 double *se)
{
	struct line_fit fit;

	*slope = ms->growth;
	*se = -1;
	if (p->nr_samples < 3 || fit_line(p->sample_ns, ms->series, p->nr_samples, &fit))
		return;
	*slope = fit.slope;
	*se = fit.se;
}

static void judge_stack(struct diff_stack_row *row, double base_se, double new_se, size_t nr_bases,
			const struct diff_opts *o)
{
	double diff = row->new_growth - row->base_growth, z, se;
	bool big, significant, outside;

	row->verdict = DIFF_UNCHANGED;
	row->severity = DIFF_NONE;
	row->p_value = 1;
	if (!row->in_base || !row->in_new) {
		row->verdict = row->in_base ? DIFF_GONE : DIFF_NEW;
		row->severity = DIFF_INFO;
		return;
	}
	row->change_pct = diff / fmax(fabs(row->base_growth), GROWTH_FLOOR_BYTES_PER_S) * 100;
	/* Fewer than 3 samples on a side: no error estimate, so nothing is significant. */
	if (base_se < 0 || new_se < 0)
		return;
	se = sqrt(base_se * base_se + new_se * new_se);
	/* Two exact straight lines (a deterministic leak) differ surely if they differ. */
	z = se > 0 ? diff / se : (diff != 0 ? INFINITY : 0);
	row->p_value = erfc(fabs(z) / sqrt(2.0));
	big = fabs(row->change_pct) > o->threshold_pct;
	significant = row->p_value < o->alpha;
	outside = nr_bases < 2 ||
		  (diff > 0 ? row->new_growth > row->base_hi : row->new_growth < row->base_lo);
	if (!big || !significant || !outside)
		return;
	if (diff > 0) {
		row->verdict = DIFF_REGRESSION;
		row->severity = row->change_pct > o->critical_pct ? DIFF_CRITICAL : DIFF_WARNING;
	} else {
		row->verdict = DIFF_IMPROVEMENT;
		row->severity = DIFF_INFO;
	}
}

static struct diff_stack_row *add_stack_row(struct diff_report *r, char *key)
{
	struct diff_stack_row *v = realloc(r->stacks, (r->nr_stacks + 1) * sizeof(*v));

	if (!v)
		return NULL;
	r->stacks = v;
	memset(&v[r->nr_stacks], 0, sizeof(v[0]));
	v[r->nr_stacks].name = key;
	return &v[r->nr_stacks++];
}

static bool have_row(const struct diff_report *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nr_stacks; i++)
		if (!strcmp(r->stacks[i].name, key))
			return true;
	return false;
}

/* One row: the bases' mean growth, their spread, and the new run's growth. */
static int fill_stack_row(struct diff_stack_row *row, struct sonde_profile *const *bases,
			  size_t nr_bases, const struct sonde_profile *newp,
			  const struct diff_opts *o)
{
	double slope, se, base_var = 0, new_se = -1;
	bool base_se_known = true;
	struct merged_stack ms;
	size_t b, seen = 0;

	row->base_lo = INFINITY;
	row->base_hi = -INFINITY;
	for (b = 0; b < nr_bases; b++) {
		if (merge_stacks(bases[b]->mem, row->name, &ms))
			return -ENOMEM;
		if (ms.found) {
			slope_and_se(bases[b]->mem, &ms, &slope, &se);
			row->base_growth += slope;
			base_var += se * se;
			base_se_known = base_se_known && se >= 0;
			row->base_lo = fmin(row->base_lo, slope);
			row->base_hi = fmax(row->base_hi, slope);
			row->base_peak = fmax(row->base_peak, ms.peak);
			seen++;
		}
		free(ms.series);
	}
	row->in_base = seen > 0;
	if (seen) {
		row->base_growth /= (double)seen;
		base_var /= (double)(seen * seen);
	}
	if (merge_stacks(newp->mem, row->name, &ms))
		return -ENOMEM;
	if (ms.found) {
		slope_and_se(newp->mem, &ms, &row->new_growth, &new_se);
		row->new_peak = ms.peak;
		row->in_new = true;
	}
	free(ms.series);
	judge_stack(row, base_se_known ? sqrt(base_var) : -1, new_se, nr_bases, o);
	return 0;
}

static int add_rows_of(struct diff_report *r, const struct mem_profile *p)
{
	size_t i;

	for (i = 0; i < p->nr_stacks; i++) {
		char *key;

		if (!p->stacks[i].allocs)
			continue;
		key = stack_key(&p->stacks[i]);
		if (!key)
			return -ENOMEM;
		if (have_row(r, key)) {
			free(key);
			continue;
		}
		if (!add_stack_row(r, key)) {
			free(key);
			return -ENOMEM;
		}
	}
	return 0;
}

static int stack_cmp(const void *a, const void *b)
{
	const struct diff_stack_row *x = a, *y = b;
	int c = diff_row_order(x->verdict, x->severity, x->change_pct, y->verdict, y->severity,
			       y->change_pct);

	return c ? c : strcmp(x->name, y->name);
}

int diff_mem_compute(struct sonde_profile *const *bases, size_t nr_bases,
		     const struct sonde_profile *newp, const struct diff_opts *o,
		     struct diff_report *r)
{
	size_t i, common = 0;
	int err = add_rows_of(r, newp->mem);

	for (i = 0; !err && i < nr_bases; i++)
		err = add_rows_of(r, bases[i]->mem);
	if (err)
		return err;
	for (i = 0; i < r->nr_stacks; i++) {
		if (fill_stack_row(&r->stacks[i], bases, nr_bases, newp, o))
			return -ENOMEM;
		common += r->stacks[i].in_base && r->stacks[i].in_new;
		r->regressions += r->stacks[i].verdict == DIFF_REGRESSION;
	}
	if (!common)
		return sonde_fail(SONDE_EXIT_INPUT, "no allocation stack is in both the base and "
						    "the new profile; nothing to compare");
	qsort(r->stacks, r->nr_stacks, sizeof(*r->stacks), stack_cmp);
	return 0;
}
