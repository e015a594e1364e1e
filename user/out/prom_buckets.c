// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "out/prom_buckets.h"
#include "core/util.h"
#include "sonde/hist.h"

void prom_buckets_init(struct prom_buckets *b)
{
	memset(b, 0, sizeof(*b));
	b->per_octave = PROM_DEFAULT_PER_OCTAVE;
}

void prom_buckets_free(struct prom_buckets *b)
{
	free(b->list);
	free(b->edges);
	prom_buckets_init(b);
}

/* The octave of bucket i: values [2^e, 2^(e+1)); bucket 0 (0 ns) counts as octave 0. */
static __u32 octave_of(__u32 i)
{
	if (i < SONDE_HIST_SUB)
		return i ? sonde_log2_u64(i) : 0;
	return (i - SONDE_HIST_SUB) / SONDE_HIST_SUB + SONDE_HIST_SUB_BITS;
}

/* The first bucket of octave e. */
static __u32 octave_start(__u32 e)
{
	if (e < SONDE_HIST_SUB_BITS)
		return 1u << e;
	return SONDE_HIST_SUB + (e - SONDE_HIST_SUB_BITS) * SONDE_HIST_SUB;
}

/* The sonde bucket edge nearest to ns: the index of the bucket it starts. */
static __u32 nearest_edge(__u64 ns)
{
	__u32 i = sonde_bucket_of_ns(ns);

	if (i + 1 < SONDE_HIST_BUCKETS &&
	    sonde_bucket_lower_ns(i + 1) - ns < ns - sonde_bucket_lower_ns(i))
		i++;
	return i ? i : 1;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static int parse_list(struct prom_buckets *b, const char *option, const char *spec)
{
	char *copy = strdup(spec), *tok, *save = NULL;
	size_t nr = 0, i, cap = 1;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	for (i = 0; spec[i]; i++)
		cap += spec[i] == ',';
	if (!(b->list = calloc(cap, sizeof(*b->list)))) {
		free(copy);
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		__u64 ns;

		if (parse_duration_ns(tok, &ns) || ns == 0) {
			err = sonde_fail(SONDE_EXIT_INPUT,
					 "%s: '%s' is not a duration (a list looks like "
					 "100us,1ms,10ms; or give N/octave, like 4/octave)",
					 option, tok);
			break;
		}
		b->list[nr++] = nearest_edge(ns);
	}
	free(copy);
	if (!err && !nr)
		err = sonde_fail(SONDE_EXIT_INPUT, "%s: no bucket given", option);
	if (err)
		return err;
	qsort(b->list, nr, sizeof(*b->list), cmp_u32);
	/* Two durations that round to one edge are one boundary. */
	for (b->nr_list = 0, i = 0; i < nr; i++)
		if (!b->nr_list || b->list[b->nr_list - 1] != b->list[i])
			b->list[b->nr_list++] = b->list[i];
	b->per_octave = 0;
	return 0;
}

int prom_buckets_parse(struct prom_buckets *b, const char *option, const char *spec)
{
	unsigned int n;
	char tail;

	free(b->list);
	b->list = NULL;
	b->nr_list = 0;
	if (sscanf(spec, "%u/octav%c", &n, &tail) == 2 && tail == 'e' &&
	    strlen(strchr(spec, '/')) == strlen("/octave")) {
		if (n != 1 && n != 2 && n != 4 && n != 8 && n != 16)
			return sonde_fail(SONDE_EXIT_INPUT,
					  "%s '%s': N/octave takes N of 1, 2, 4, 8 or 16 (sonde "
					  "has 16 buckets per power of two)",
					  option, spec);
		b->per_octave = n;
		return 0;
	}
	return parse_list(b, option, spec);
}

void prom_buckets_see(struct prom_buckets *b, const __u64 *hist)
{
	__u32 i, lo = SONDE_HIST_BUCKETS, hi = 0;

	for (i = 0; i < SONDE_HIST_BUCKETS; i++)
		if (hist[i]) {
			lo = lo < i ? lo : i;
			hi = i;
		}
	if (lo == SONDE_HIST_BUCKETS)
		return;
	if (!b->seen || lo < b->lo)
		b->lo = lo;
	if (!b->seen || hi > b->hi)
		b->hi = hi;
	b->seen = true;
}

int prom_buckets_edges(struct prom_buckets *b)
{
	size_t cap = b->per_octave ? (SONDE_HIST_MAX_LOG2 + 2) * 16 : b->nr_list, n = 0;
	__u32 e, e_lo, e_hi, i, step;

	if (!b->edges && cap && !(b->edges = calloc(cap, sizeof(*b->edges))))
		return -ENOMEM;
	if (!b->per_octave) {
		memcpy(b->edges, b->list, b->nr_list * sizeof(*b->list));
		b->nr_edges = b->nr_list;
		return 0;
	}
	b->nr_edges = 0;
	if (!b->seen)
		return 0;
	step = SONDE_HIST_SUB / b->per_octave;
	e_lo = octave_of(b->lo);
	e_hi = octave_of(b->hi);
	/* From the start of the lowest octave seen (a boundary with nothing below
	 * it, so the first bucket's lower bound is known) to the end of the highest. */
	for (e = e_lo; e <= e_hi; e++) {
		__u32 start = octave_start(e), next = octave_start(e + 1);

		if (n == 0 && start > 0)
			b->edges[n++] = start;
		/* Below 16 ns a bucket is one nanosecond: only the powers of two. */
		for (i = start + (e < SONDE_HIST_SUB_BITS ? next - start : step); i <= next;
		     i += step) {
			if (i >= SONDE_HIST_BUCKETS)
				break;
			b->edges[n++] = i;
		}
	}
	b->nr_edges = n;
	return 0;
}
