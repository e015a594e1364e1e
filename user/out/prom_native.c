// SPDX-License-Identifier: GPL-2.0
/* sonde's buckets as a Prometheus native histogram (see prom_native.h). */
#include <math.h>
#include "out/prom_native.h"

double prom_ns_seconds(__u64 ns)
{
	/* One rounding: ns * 1e-9 rounds 1e-9 first (3 ns would read 3.0000000000000004e-09). */
	return (double)ns / 1e9;
}

/*
 * As Prometheus computes it (model/histogram getBound): 2^(j / 2^schema) times
 * a power of two, j the index's place inside its power of two, so that powers
 * of two are exact.
 */
double prom_native_upper(__s32 index, int schema)
{
	__s32 per_octave, octave;

	if (schema <= 0)
		return ldexp(1.0, index * (1 << -schema));
	per_octave = 1 << schema;
	octave = index >= 0 ? index / per_octave : -((-index + per_octave - 1) / per_octave);
	return ldexp(exp2((double)(index - octave * per_octave) / per_octave), octave);
}

__s32 prom_native_index(double seconds, int schema)
{
	/* ceil(log2(x) * 2^schema), which rounding can put one off at a bound: fix it up. */
	__s32 i = (__s32)ceil(ldexp(log2(seconds), schema));

	while (seconds > prom_native_upper(i, schema))
		i++;
	while (seconds <= prom_native_upper(i - 1, schema))
		i--;
	return i;
}

void prom_native_indices(int schema, __s32 *index_of)
{
	__u32 b;

	index_of[0] = 0;
	for (b = 1; b < SONDE_HIST_BUCKETS; b++)
		index_of[b] =
		    prom_native_index(prom_ns_seconds(sonde_bucket_upper_ns(b) - 1), schema);
}

size_t prom_native_rebucket(const __u64 *buckets, const __s32 *index_of,
			    struct prom_native_bucket *out, __u64 *zero_count)
{
	size_t nr = 0;
	__u32 b;

	*zero_count = buckets[0];
	for (b = 1; b < SONDE_HIST_BUCKETS; b++) {
		if (!buckets[b])
			continue;
		/* hi - 1 grows with b, so the indices come in order; equal ones add up. */
		if (nr && out[nr - 1].index == index_of[b]) {
			out[nr - 1].count += buckets[b];
			continue;
		}
		out[nr].index = index_of[b];
		out[nr].count = buckets[b];
		nr++;
	}
	return nr;
}

/* Appends count, as its difference from the bucket before it. */
static void add_delta(struct prom_native *n, __u64 count, __u64 *prev)
{
	/* Wraps as two's complement when the count falls: the sint64 it is. */
	n->deltas[n->nr_deltas++] = (int64_t)(count - *prev);
	*prev = count;
}

void prom_native_encode(const struct prom_native_bucket *b, size_t nr, struct prom_native *n)
{
	__u64 prev = 0;
	size_t k;
	__s32 g;

	n->nr_spans = 0;
	n->nr_deltas = 0;
	if (!nr) {
		n->spans[n->nr_spans++] = (struct prom_native_span){.offset = 0, .length = 0};
		return;
	}
	for (k = 0; k < nr; k++) {
		__s32 gap = k ? b[k].index - b[k - 1].index - 1 : 0;

		if (k && gap <= PROM_NATIVE_MAX_FILL) {
			for (g = 0; g < gap; g++)
				add_delta(n, 0, &prev);
			n->spans[n->nr_spans - 1].length += gap + 1;
		} else {
			/* The first span's offset is its index; a later one's, the gap. */
			n->spans[n->nr_spans++] =
			    (struct prom_native_span){.offset = k ? gap : b[k].index, .length = 1};
		}
		add_delta(n, b[k].count, &prev);
	}
}
