// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "mem/mem_reap.h"

/* Exited processes handled per sample, at most; the rest wait for the next. */
#define REAP_MAX_PROCS 1024

static int tgid_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* The traced processes that no longer exist (not zombies: their blocks are
 * theirs until they are reaped), taken out of the procs map. */
static size_t find_exited(int procs_fd, __u32 *dead, size_t max)
{
	__u32 key, *prev = NULL;
	size_t n = 0;

	while (n < max && !bpf_map_get_next_key(procs_fd, prev, &key)) {
		prev = &key;
		if (kill((pid_t)key, 0) && errno == ESRCH)
			dead[n++] = key;
	}
	for (prev = dead; prev < dead + n; prev++)
		bpf_map_delete_elem(procs_fd, prev);
	qsort(dead, n, sizeof(*dead), tgid_cmp);
	return n;
}

static __u64 *stats_field(struct sonde_stack_stats *stats, size_t nr, __u32 stack_id, bool bytes)
{
	size_t i = sonde_mem_stack_lost(stack_id) ? nr - 2 + (stack_id == SONDE_MEM_NO_STACK_MMAP)
						  : stack_id;

	if (i >= nr)
		return NULL;
	return bytes ? &stats[i].free_bytes : &stats[i].frees;
}

/* One block of an exited process: out of the map, and freed in its stack's totals. */
static void release(int allocs_fd, const struct sonde_alloc_key *key, const struct sonde_alloc *a,
		    struct sonde_stack_stats *stats, size_t nr, struct mem_reaped *total)
{
	__u64 *frees = stats_field(stats, nr, a->stack_id, false);
	__u64 *bytes = stats_field(stats, nr, a->stack_id, true);

	if (!frees || bpf_map_delete_elem(allocs_fd, key))
		return;
	/* The BPF programs add to the same counters (lock xadd): atomically too. The
	 * frees before the bytes, as the programs do (include/sonde/mem.h). */
	__atomic_fetch_add(frees, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(bytes, a->size, __ATOMIC_SEQ_CST);
	total->blocks++;
	total->bytes += a->size;
}

#define ALLOCS_BATCH 4096

int mem_allocs_for_each(int allocs_fd, mem_alloc_fn fn, void *ctx)
{
	struct sonde_alloc_key *keys = calloc(ALLOCS_BATCH, sizeof(*keys));
	struct sonde_alloc *vals = calloc(ALLOCS_BATCH, sizeof(*vals));
	__u64 token = 0;
	bool first = true;
	__u32 n, i;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (;;) {
		n = ALLOCS_BATCH;
		err = bpf_map_lookup_batch(allocs_fd, first ? NULL : &token, &token, keys, vals, &n,
					   NULL);
		if (err)
			err = -errno;
		first = false;
		for (i = 0; i < n && (!err || err == -ENOENT); i++)
			fn(&keys[i], &vals[i], ctx);
		if (err)
			break;
	}
	if (err == -ENOENT)
		err = 0;
cleanup:
	free(keys);
	free(vals);
	return err;
}

struct reap_scan {
	int allocs_fd;
	const __u32 *dead;
	size_t nr_dead;
	struct sonde_stack_stats *stats;
	size_t nr;
	struct mem_reaped *total;
};

static void reap_one(const struct sonde_alloc_key *key, const struct sonde_alloc *a, void *ctx)
{
	struct reap_scan *r = ctx;

	if (bsearch(&key->tgid, r->dead, r->nr_dead, sizeof(*r->dead), tgid_cmp))
		release(r->allocs_fd, key, a, r->stats, r->nr, r->total);
}

int mem_reap_exited(int procs_fd, int allocs_fd, struct sonde_stack_stats *stats, size_t nr,
		    struct mem_reaped *total)
{
	__u32 dead[REAP_MAX_PROCS];
	struct reap_scan r = {allocs_fd, dead, 0, stats, nr, total};

	r.nr_dead = find_exited(procs_fd, dead, REAP_MAX_PROCS);
	if (!r.nr_dead)
		return 0;
	total->processes += r.nr_dead;
	return mem_allocs_for_each(allocs_fd, reap_one, &r);
}
