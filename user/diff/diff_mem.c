// SPDX-License-Identifier: GPL-2.0
/*
 * sonde diff on memory profiles: stacks paired by the functions on them (not
 * their offsets, which move between builds), compared on the growth of their
 * live bytes in each run and between each two samples of a run, judged by
 * the rule latency is (user/diff/diff_judge.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/fit.h"
#include "diff/diff_judge.h"
#include "diff/diff_mem.h"
#include "core/util.h"

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

/* A profile's stacks by key, sorted: each row finds its stacks by bisection. */
struct keyed_stack {
	char *key;
	size_t stack;
};

struct stack_index {
	const struct mem_profile *p;
	struct keyed_stack *v;
	size_t n;
};

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed_stack *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->stack > y->stack) - (x->stack < y->stack);
}

static void index_free(struct stack_index *ix)
{
	size_t i;

	for (i = 0; i < ix->n; i++)
		free(ix->v[i].key);
	free(ix->v);
}

static int index_build(struct stack_index *ix, const struct mem_profile *p)
{
	size_t i;

	ix->p = p;
	ix->n = 0;
	ix->v = calloc(p->nr_stacks ? p->nr_stacks : 1, sizeof(*ix->v));
	if (!ix->v)
		return -ENOMEM;
	for (i = 0; i < p->nr_stacks; i++) {
		if (!(ix->v[ix->n].key = stack_key(&p->stacks[i])))
			return -ENOMEM;
		ix->v[ix->n++].stack = i;
	}
	qsort(ix->v, ix->n, sizeof(*ix->v), keyed_cmp);
	return 0;
}

/* The first entry of ix with this key, or ix->n. */
static size_t index_find(const struct stack_index *ix, const char *key)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ix->v[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->n && !strcmp(ix->v[lo].key, key) ? lo : ix->n;
}

/* Every stack of a profile with this key, added up: the same functions can
 * allocate from several call sites, or in several processes. */
struct merged_stack {
	bool found;
	double *series; /* p->nr_samples values */
	double growth;	/* the stored growth, when the series is too short to refit */
	double peak;
};

static int merge_stacks(const struct stack_index *ix, const char *key, struct merged_stack *ms)
{
	const struct mem_profile *p = ix->p;
	size_t i, k;

	memset(ms, 0, sizeof(*ms));
	ms->series = calloc(p->nr_samples ? p->nr_samples : 1, sizeof(*ms->series));
	if (!ms->series)
		return -ENOMEM;
	for (i = index_find(ix, key); i < ix->n && !strcmp(ix->v[i].key, key); i++) {
		const struct mem_stack *s = &p->stacks[ix->v[i].stack];

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

/* Slope of the series by least squares; the stored growth when fewer than 3
 * samples leave none to fit. */
static double slope_of(const struct mem_profile *p, const struct merged_stack *ms)
{
	struct line_fit fit;

	if (p->nr_samples < 3 || fit_line(p->sample_ns, ms->series, p->nr_samples, &fit))
		return ms->growth;
	return fit.slope;
}

/* The longest gap between two samples: a run's last sample, forced at its
 * end, may come milliseconds after the one before. */
static double longest_gap(const struct mem_profile *p)
{
	double gap = 0;
	size_t k;

	for (k = 0; k + 1 < p->nr_samples; k++)
		gap = fmax(gap, (p->sample_ns[k + 1] - p->sample_ns[k]) / 1e9);
	return gap;
}

/* The growth between each two samples at least half the sampling period
 * apart: the run's slices. */
static int add_slices(const struct mem_profile *p, const struct merged_stack *ms, double **v,
		      size_t *nr)
{
	double min_dt = longest_gap(p) / 2, *nv;
	size_t k;

	if (p->nr_samples < 2)
		return 0;
	nv = realloc(*v, (*nr + p->nr_samples - 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	for (k = 0; k + 1 < p->nr_samples; k++) {
		double dt = (p->sample_ns[k + 1] - p->sample_ns[k]) / 1e9;

		if (dt > 0 && dt >= min_dt)
			nv[(*nr)++] = (ms->series[k + 1] - ms->series[k]) / dt;
	}
	return 0;
}

/* One side of a row: each run's growth, their mean and spread, the slices, the peak. */
struct mem_side {
	double *runs, *slices, mean, lo, hi, peak;
	size_t nr_runs, nr_slices;
};

static int fill_side(struct mem_side *s, const struct stack_index *ix, size_t nr,
		     const char *key)
{
	struct merged_stack ms;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->lo = INFINITY;
	s->hi = -INFINITY;
	s->runs = calloc(nr ? nr : 1, sizeof(*s->runs));
	if (!s->runs)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		double g;

		if (merge_stacks(&ix[i], key, &ms))
			return -ENOMEM;
		if (ms.found) {
			g = slope_of(ix[i].p, &ms);
			s->runs[s->nr_runs++] = g;
			s->mean += g;
			s->lo = fmin(s->lo, g);
			s->hi = fmax(s->hi, g);
			s->peak = fmax(s->peak, ms.peak);
			if (add_slices(ix[i].p, &ms, &s->slices, &s->nr_slices)) {
				free(ms.series);
				return -ENOMEM;
			}
		}
		free(ms.series);
	}
	if (s->nr_runs)
		s->mean /= (double)s->nr_runs;
	return 0;
}

static int fill_stack_row(struct diff_stack_row *row, const struct stack_index *bix, size_t nb,
			  const struct stack_index *nix, size_t nn, const struct diff_opts *o)
{
	struct mem_side b = {0}, n = {0};
	struct diff_judgement j;
	int err = fill_side(&b, bix, nb, row->name);

	if (!err)
		err = fill_side(&n, nix, nn, row->name);
	if (!err) {
		struct diff_evidence be = {b.runs, b.nr_runs, b.slices, b.nr_slices};
		struct diff_evidence ne = {n.runs, n.nr_runs, n.slices, n.nr_slices};

		row->in_base = b.nr_runs > 0;
		row->in_new = n.nr_runs > 0;
		row->nr_base_runs = b.nr_runs;
		row->nr_new_runs = n.nr_runs;
		row->base_growth = b.mean;
		row->new_growth = n.mean;
		row->base_lo = b.lo;
		row->base_hi = b.hi;
		row->base_peak = b.peak;
		row->new_peak = n.peak;
		diff_judge(&be, &ne, DIFF_SCALE_LINEAR, DIFF_GROWTH_FLOOR_BYTES_PER_S, o, &j);
		row->verdict = j.verdict;
		row->severity = j.severity;
		row->p_value = j.p_value;
		row->change_pct = j.change_pct;
		row->grounds = j.grounds;
	}
	free(b.runs);
	free(b.slices);
	free(n.runs);
	free(n.slices);
	return err;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One row per key that allocated in any run: all keys, sorted and unique. */
static int add_rows(struct diff_report *r, const struct stack_index *ix, size_t nr)
{
	size_t i, k, total = 0, n = 0;
	char **keys;

	for (i = 0; i < nr; i++)
		total += ix[i].n;
	keys = calloc(total ? total : 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		for (k = 0; k < ix[i].n; k++)
			if (ix[i].p->stacks[ix[i].v[k].stack].allocs)
				keys[n++] = ix[i].v[k].key;
	qsort(keys, n, sizeof(*keys), key_cmp);
	r->stacks = calloc(n ? n : 1, sizeof(*r->stacks));
	if (!r->stacks) {
		free(keys);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (i && !strcmp(keys[i], keys[i - 1]))
			continue;
		if (!(r->stacks[r->nr_stacks].name = strdup(keys[i]))) {
			free(keys);
			return -ENOMEM;
		}
		r->nr_stacks++;
	}
	free(keys);
	return 0;
}

int diff_mem_compute(const struct diff_runs *runs, const struct diff_opts *o,
		     struct diff_report *r)
{
	size_t nr = runs->nr_base + runs->nr_new, i, common = 0;
	struct stack_index *ix = calloc(nr, sizeof(*ix));
	int err = ix ? 0 : -ENOMEM;

	for (i = 0; !err && i < nr; i++)
		err = index_build(&ix[i], (i < runs->nr_base ? runs->base[i]
							   : runs->new[i - runs->nr_base])->mem);
	if (!err)
		err = add_rows(r, ix, nr);
	for (i = 0; !err && i < r->nr_stacks; i++) {
		err = fill_stack_row(&r->stacks[i], ix, runs->nr_base, ix + runs->nr_base,
				     runs->nr_new, o);
		common += r->stacks[i].in_base && r->stacks[i].in_new;
	}
	for (i = 0; ix && i < nr; i++)
		index_free(&ix[i]);
	free(ix);
	if (err)
		return err;
	if (!common)
		return sonde_fail(SONDE_EXIT_INPUT, "no allocation stack is in both the base and "
						    "the new profile; nothing to compare");
	return 0;
}

/* Each key's growth in one profile, as diff pairs and measures stacks, for a
 * series of profiles (sonde trend). */
int diff_mem_growths(const struct mem_profile *p, struct diff_mem_growth **out, size_t *nr)
{
	struct diff_mem_growth *v = NULL;
	struct stack_index ix;
	struct merged_stack ms;
	size_t i, n = 0;
	int err = index_build(&ix, p);

	if (!err && !(v = calloc(ix.n ? ix.n : 1, sizeof(*v))))
		err = -ENOMEM;
	for (i = 0; !err && i < ix.n; i++) {
		if (i && !strcmp(ix.v[i].key, ix.v[i - 1].key))
			continue;
		if ((err = merge_stacks(&ix, ix.v[i].key, &ms)))
			break;
		v[n].growth = slope_of(p, &ms);
		free(ms.series);
		if (!(v[n].key = strdup(ix.v[i].key)))
			err = -ENOMEM;
		else
			n++;
	}
	index_free(&ix);
	if (err) {
		diff_mem_growths_free(v, n);
		return err;
	}
	*out = v;
	*nr = n;
	return 0;
}

void diff_mem_growths_free(struct diff_mem_growth *v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i].key);
	free(v);
}
