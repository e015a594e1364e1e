/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde mem -b: the live blocks of a process that exited went with it. A
 * server that forks a process per connection (postgres) would otherwise
 * pile up the blocks of every connection that ended, as if they were
 * still live. Found at each sample: a traced process that no longer exists
 * leaves the procs map, and its blocks the allocs map, counted in their
 * stacks' totals as freed.
 */
#ifndef SONDE_MEM_REAP_H
#define SONDE_MEM_REAP_H

#include <stddef.h>
#include <linux/types.h>
#include "sonde/mem.h"

struct mem_reaped {
	__u64 processes; /* processes that exited while traced */
	__u64 blocks;	 /* their blocks and mappings left live at the exit */
	__u64 bytes;
};

/*
 * procs_fd, allocs_fd: the BPF maps (bpf/mem.bpf.c); stats: the stack_stats
 * array, mapped writable, nr entries (the last two: the lost stacks). Adds
 * what it finds to *total; 0 or -errno.
 */
int mem_reap_exited(int procs_fd, int allocs_fd, struct sonde_stack_stats *stats, size_t nr,
		    struct mem_reaped *total);

/*
 * Every live allocation in the allocs map (allocs_fd), read in batches; fn
 * may delete the one it is given. 0 or -errno.
 */
typedef void (*mem_alloc_fn)(const struct sonde_alloc_key *key, const struct sonde_alloc *a,
			     void *ctx);
int mem_allocs_for_each(int allocs_fd, mem_alloc_fn fn, void *ctx);

#endif
