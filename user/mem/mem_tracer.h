/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel side of sonde mem, from user space: find the allocator's
 * functions, load bpf/mem.bpf.c with maps sized from the options, attach the
 * allocator probes, the syscall and rss_stat tracepoints, symbolize stacks as
 * they appear, read the totals into a mem_profile, detach.
 */
#ifndef SONDE_MEM_TRACER_H
#define SONDE_MEM_TRACER_H

#include <stdbool.h>
#include <linux/types.h>
#include "mem/allocator.h"
#include "mem/mem_profile.h"
#include "core/target.h"

/* Where mem's allocator probes go and how they see returns (sonde list --for mem). */
extern const struct resolve_opts mem_resolve;

struct mem_tracer_opts {
	const char *allocator; /* --allocator: library name or path; NULL = the process's own */
	__u32 max_allocs;      /* live allocations tracked at once */
	__u32 max_stacks;      /* distinct stacks */
	__u32 stack_depth;     /* frames per stack */
	__u64 big_bytes;       /* --big: print allocations of at least this; 0 = off */
	__u64 sample_every;    /* --sample N: print every N-th allocation; 0 = off */
	bool json;	       /* --big/--sample records as JSON lines */
};

struct mem_tracer;

/* Resolve, load and attach; on error everything is already released. */
int mem_tracer__open(const struct mem_tracer_opts *opts, struct target *t, struct mem_tracer **out);
void mem_tracer__close(struct mem_tracer *mt);

size_t mem_tracer__nr_functions(const struct mem_tracer *mt);
size_t mem_tracer__nr_links(const struct mem_tracer *mt);
bool mem_tracer__multi(const struct mem_tracer *mt);
/* The allocator probed (allocator_find()); its path as shown, NULL when none is. */
const struct allocator *mem_tracer__allocator(const struct mem_tracer *mt);
const char *mem_tracer__allocator_path(const struct mem_tracer *mt);

/* Records to handle (new stacks, --big, --sample): an fd to poll, and the handling. */
int mem_tracer__events_fd(const struct mem_tracer *mt);
int mem_tracer__drain(struct mem_tracer *mt);

/* The totals so far into p (stacks added and symbolized as needed). Never
 * clears the kernel's counters. */
int mem_tracer__read(struct mem_tracer *mt, struct mem_profile *p);
/* Walk the live allocations: each stack's oldest one, and those older than
 * min_age_ns (mem_profile_add_live). */
int mem_tracer__scan_ages(struct mem_tracer *mt, struct mem_profile *p, __u64 min_age_ns);
/* The frames of a stack id ("function+0xoff", innermost first), symbolized the
 * first time it is asked for; owned by the tracer. NULL for no stack. The
 * stack ends before its first frame that is not code of the process (a
 * frame-pointer walk through code built without them reads data as return
 * addresses): *cut says whether that happened (cut may be NULL). */
const char *const *mem_tracer__stack_frames(struct mem_tracer *mt, __u32 id, __u32 pid, size_t *nr,
					    bool *cut);
/* Bytes of kernel memory the maps use now (bpftool's "memlock"). */
__u64 mem_tracer__map_bytes(const struct mem_tracer *mt);

#endif
