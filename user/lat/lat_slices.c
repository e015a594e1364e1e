// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lat/lat_slices.h"

/* A partial last slice shorter than this joins the one before it. */
#define LAT_SLICE_MIN_TAIL_NS (LAT_SLICE_NS / 4)

struct lat_slicer *lat_slicer_new(size_t nr_funcs)
{
	struct lat_slicer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->width_ns = LAT_SLICE_NS;
	s->nr_funcs = nr_funcs;
	s->funcs = calloc(nr_funcs ? nr_funcs : 1, sizeof(*s->funcs));
	s->last = calloc(nr_funcs ? nr_funcs : 1, sizeof(*s->last));
	if (!s->funcs || !s->last) {
		lat_slicer_free(s);
		return NULL;
	}
	return s;
}

void lat_slicer_free(struct lat_slicer *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nr_funcs; i++) {
		if (s->funcs)
			lat_func_slices_clear(&s->funcs[i]);
		if (s->last)
			lat_slice_free(&s->last[i]);
	}
	free(s->funcs);
	free(s->last);
	free(s);
}

/* cur's histogram, sparse, into sl (nr buckets with calls above those of prev,
 * or all of them when prev is NULL), less prev's counts. */
static int slice_of(struct lat_slice *sl, const struct func_result *cur,
		    const struct lat_slice *prev)
{
	__u32 nr = 0, b, j = 0;
	__u64 before;

	memset(sl, 0, sizeof(*sl));
	sl->calls = prev && cur->calls > prev->calls ? cur->calls - prev->calls
		    : prev			    ? 0
						    : cur->calls;
	sl->total_ns = prev ? (cur->total_ns > prev->total_ns ? cur->total_ns - prev->total_ns : 0)
			    : cur->total_ns;
	if (!sl->calls)
		return 0;
	for (b = 0; b < SONDE_HIST_BUCKETS; b++)
		nr += cur->hist[b] != 0;
	sl->bucket = malloc(nr * sizeof(*sl->bucket));
	sl->count = malloc(nr * sizeof(*sl->count));
	if (!sl->bucket || !sl->count) {
		lat_slice_free(sl);
		return -ENOMEM;
	}
	for (b = 0; b < SONDE_HIST_BUCKETS; b++) {
		if (!cur->hist[b])
			continue;
		while (prev && j < prev->nr && prev->bucket[j] < b)
			j++;
		before = prev && j < prev->nr && prev->bucket[j] == b ? prev->count[j] : 0;
		if (cur->hist[b] <= before)
			continue;
		sl->bucket[sl->nr] = (__u16)b;
		sl->count[sl->nr++] = cur->hist[b] - before;
	}
	return 0;
}

/* a + b into a (both sparse and ascending); b is freed. */
static int slice_merge(struct lat_slice *a, struct lat_slice *b)
{
	__u32 i = 0, j = 0, n = 0, cap = a->nr + b->nr;
	__u16 *bucket = malloc((cap ? cap : 1) * sizeof(*bucket));
	__u64 *count = malloc((cap ? cap : 1) * sizeof(*count));

	if (!bucket || !count) {
		free(bucket);
		free(count);
		return -ENOMEM;
	}
	while (i < a->nr || j < b->nr) {
		if (j >= b->nr || (i < a->nr && a->bucket[i] < b->bucket[j])) {
			bucket[n] = a->bucket[i];
			count[n++] = a->count[i++];
		} else if (i >= a->nr || b->bucket[j] < a->bucket[i]) {
			bucket[n] = b->bucket[j];
			count[n++] = b->count[j++];
		} else {
			bucket[n] = a->bucket[i];
			count[n++] = a->count[i++] + b->count[j++];
		}
	}
	a->calls += b->calls;
	a->total_ns += b->total_ns;
	lat_slice_free(a);
	lat_slice_free(b);
	a->bucket = bucket;
	a->count = count;
	a->nr = n;
	return 0;
}

static size_t pairs_of(const struct lat_slicer *s)
{
	size_t i, k, n = 0;

	for (i = 0; i < s->nr_funcs; i++)
		for (k = 0; k < s->funcs[i].nr; k++)
			n += s->funcs[i].s[k].nr;
	return n;
}

/* Neighbours merged, slices twice as long: the run stays in bounds. */
static int halve(struct lat_slicer *s)
{
	size_t i, k;

	for (i = 0; i < s->nr_funcs; i++) {
		struct lat_func_slices *fs = &s->funcs[i];

		for (k = 0; 2 * k < fs->nr; k++) {
			fs->s[k] = fs->s[2 * k];
			if (2 * k + 1 < fs->nr && slice_merge(&fs->s[k], &fs->s[2 * k + 1]))
				return -ENOMEM;
		}
		fs->nr = k;
	}
	s->nr_slices = (s->nr_slices + 1) / 2;
	s->width_ns *= 2;
	s->pairs = pairs_of(s);
	return 0;
}

static int close_slice(struct lat_slicer *s, const struct lat_profile *cur)
{
	size_t i, n = cur->nr_funcs < s->nr_funcs ? cur->nr_funcs : s->nr_funcs;

	for (i = 0; i < s->nr_funcs; i++) {
		struct lat_func_slices *fs = &s->funcs[i];
		struct lat_slice *v = realloc(fs->s, (fs->nr + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		fs->s = v;
		memset(&v[fs->nr], 0, sizeof(v[0]));
		if (i < n && slice_of(&v[fs->nr], &cur->funcs[i], &s->last[i]))
			return -ENOMEM;
		s->pairs += v[fs->nr].nr;
		fs->nr++;
		/* Where the next slice starts, kept sparse: most functions use few buckets. */
		if (i < n && cur->funcs[i].calls != s->last[i].calls) {
			struct lat_slice now;

			if (slice_of(&now, &cur->funcs[i], NULL))
				return -ENOMEM;
			lat_slice_free(&s->last[i]);
			s->last[i] = now;
		}
	}
	s->nr_slices++;
	while (s->nr_slices > LAT_SLICES_MAX || s->pairs > LAT_SLICES_MAX_PAIRS)
		if (halve(s))
			return -ENOMEM;
	return 0;
}

bool lat_slicer_due(const struct lat_slicer *s, __u64 elapsed_ns)
{
	return elapsed_ns >= s->started_ns + s->width_ns;
}

void lat_slicer_widen(struct lat_slicer *s)
{
	/* Whole slices so far stay as they are; the bound still holds (halve()). */
	if (s->width_ns < (LAT_SLICE_NS << 10))
		s->width_ns *= 2;
}

int lat_slicer_tick(struct lat_slicer *s, const struct lat_profile *cur, __u64 elapsed_ns)
{
	if (elapsed_ns < s->started_ns + s->width_ns)
		return 0;
	s->started_ns = elapsed_ns;
	return close_slice(s, cur);
}

int lat_slicer_finish(struct lat_slicer *s, const struct lat_profile *cur, __u64 elapsed_ns,
		      struct lat_profile *p)
{
	size_t i;
	int err;

	if (elapsed_ns > s->started_ns || !s->nr_slices) {
		bool tail_short = s->nr_slices && elapsed_ns - s->started_ns < LAT_SLICE_MIN_TAIL_NS;

		err = close_slice(s, cur);
		if (err)
			return err;
		for (i = 0; tail_short && i < s->nr_funcs; i++) {
			struct lat_func_slices *fs = &s->funcs[i];

			if (slice_merge(&fs->s[fs->nr - 2], &fs->s[fs->nr - 1]))
				return -ENOMEM;
			fs->nr--;
		}
		s->nr_slices -= tail_short;
	}
	p->slice_ns = s->width_ns;
	for (i = 0; i < s->nr_funcs && i < p->nr_funcs; i++) {
		struct lat_func_slices *fs = malloc(sizeof(*fs));

		if (!fs)
			return -ENOMEM;
		*fs = s->funcs[i];
		s->funcs[i].s = NULL;
		s->funcs[i].nr = 0;
		lat_func_slices_free(p->funcs[i].slices);
		p->funcs[i].slices = fs;
	}
	return 0;
}
