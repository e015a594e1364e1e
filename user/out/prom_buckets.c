// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "out/prom_buckets.h"
#include "core/util.h"
#include "sonde/hist.h"

/* The first bucket of octave e (values [2^e, 2^(e+1))). */
static __u32 octave_start(__u32 e)
{
	if (e < SONDE_HIST_SUB_BITS)
		return 1u << e;
	return SONDE_HIST_SUB + (e - SONDE_HIST_SUB_BITS) * SONDE_HIST_SUB;
}

/* N per octave from 2^lo to 2^hi ns: 0 or -ENOMEM. */
static int per_octave(struct prom_buckets *b, unsigned int n, __u32 lo, __u32 hi)
{
	__u32 step = SONDE_HIST_SUB / n, e, i;
	size_t nr = 0;

	free(b->edges);
	b->nr_edges = 0;
	if (!(b->edges = calloc((size_t)(hi - lo + 1) * SONDE_HIST_SUB, sizeof(*b->edges))))
		return -ENOMEM;
	b->edges[nr++] = octave_start(lo);
	for (e = lo; e < hi; e++) {
		__u32 start = octave_start(e), next = octave_start(e + 1);

		/* Below 16 ns a bucket is one nanosecond: only the powers of two. */
		for (i = start + (e < SONDE_HIST_SUB_BITS ? next - start : step); i <= next;
		     i += step)
			b->edges[nr++] = i;
	}
	b->nr_edges = nr;
	return 0;
}

int prom_buckets_init(struct prom_buckets *b)
{
	memset(b, 0, sizeof(*b));
	return per_octave(b, PROM_DEFAULT_PER_OCTAVE, PROM_DEFAULT_LO_LOG2, PROM_DEFAULT_HI_LOG2);
}

void prom_buckets_free(struct prom_buckets *b)
{
	free(b->edges);
	memset(b, 0, sizeof(*b));
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
	__u32 *list;
	int err = 0;

	for (i = 0; spec[i]; i++)
		cap += spec[i] == ',';
	list = calloc(cap, sizeof(*list));
	if (!copy || !list) {
		free(copy);
		free(list);
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
		list[nr++] = nearest_edge(ns);
	}
	free(copy);
	if (!err && !nr)
		err = sonde_fail(SONDE_EXIT_INPUT, "%s: no bucket given", option);
	if (err) {
		free(list);
		return err;
	}
	qsort(list, nr, sizeof(*list), cmp_u32);
	/* Two durations that round to one edge are one boundary. */
	free(b->edges);
	b->edges = list;
	for (b->nr_edges = 0, i = 0; i < nr; i++)
		if (!b->nr_edges || list[b->nr_edges - 1] != list[i])
			list[b->nr_edges++] = list[i];
	return 0;
}

/* "LOW-HIGH" as octaves: LOW down, HIGH up to a power of two. 0 or -EINVAL. */
static int parse_range(const char *s, __u32 *lo, __u32 *hi)
{
	const char *dash = strchr(s, '-');
	char low[32];
	__u64 a, b;

	if (!dash || (size_t)(dash - s) >= sizeof(low))
		return -EINVAL;
	memcpy(low, s, (size_t)(dash - s));
	low[dash - s] = '\0';
	if (parse_duration_ns(low, &a) || parse_duration_ns(dash + 1, &b) || !a || b <= a)
		return -EINVAL;
	*lo = sonde_log2_u64(a);
	*hi = sonde_log2_u64(b) + ((b & (b - 1)) != 0);
	return *hi <= SONDE_HIST_MAX_LOG2 ? 0 : -EINVAL;
}

int prom_buckets_parse(struct prom_buckets *b, const char *option, const char *spec)
{
	__u32 lo = PROM_DEFAULT_LO_LOG2, hi = PROM_DEFAULT_HI_LOG2;
	const char *slash = strchr(spec, '/');
	unsigned int n;
	char *end;

	if (!slash)
		return parse_list(b, option, spec);
	n = (unsigned int)strtoul(spec, &end, 10);
	if (end != slash || strncmp(slash, "/octave", 7) ||
	    (slash[7] && (slash[7] != ':' || parse_range(slash + 8, &lo, &hi))))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "%s '%s': expected N/octave, N/octave:LOW-HIGH (like "
				  "4/octave:1us-10s) or a list (100us,1ms,10ms)",
				  option, spec);
	if (n != 1 && n != 2 && n != 4 && n != 8 && n != 16)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "%s '%s': N/octave takes N of 1, 2, 4, 8 or 16 (sonde "
				  "has 16 buckets per power of two)",
				  option, spec);
	return per_octave(b, n, lo, hi);
}
