/* SPDX-License-Identifier: GPL-2.0 */
/* Layouts shared by bpf/mem.bpf.c and the user-space loader (user/mem/mem_tracer.c). */
#ifndef SONDE_MEM_H
#define SONDE_MEM_H

#ifndef __VMLINUX_H__ /* user space; BPF code has the types from vmlinux.h */
#include <linux/types.h>
#endif

/* Allocator sites one run can probe: the entry/return cookie indexes site_kind[]. */
#define SONDE_MEM_MAX_SITES 64
/* Deepest user stack kept (the kernel's perf_event_max_stack default is 127). */
#define SONDE_MEM_MAX_STACK_DEPTH 127
/* stack_id of allocations whose stack could not be taken (counted in drops):
 * heap blocks, and anonymous mappings, kept apart so both totals stay right. */
#define SONDE_MEM_NO_STACK	0xffffffffU
#define SONDE_MEM_NO_STACK_MMAP 0xfffffffeU

static inline int sonde_mem_stack_lost(__u32 stack_id)
{
	return stack_id >= SONDE_MEM_NO_STACK_MMAP;
}

/* The attach cookie of a free() site that is a C++ delete (user/mem/mem_tracer.c). */
#define SONDE_FREE_DELETE 1

/* What an allocator site does with its arguments (x86-64: di, si, dx). */
enum sonde_alloc_kind {
	SONDE_AK_NONE,
	SONDE_AK_MALLOC,	 /* malloc(size) */
	SONDE_AK_CALLOC,	 /* calloc(n, size) */
	SONDE_AK_REALLOC,	 /* realloc(ptr, size) */
	SONDE_AK_REALLOCARRAY,	 /* reallocarray(ptr, n, size) */
	SONDE_AK_POSIX_MEMALIGN, /* posix_memalign(&ptr, align, size) -> 0 */
	SONDE_AK_MEMALIGN,	 /* memalign(align, size), aligned_alloc(align, size) */
	SONDE_AK_VALLOC,	 /* valloc(size) */
	SONDE_AK_PVALLOC,	 /* pvalloc(size): size rounded up to a page */
	SONDE_AK__COUNT,
};

/* A live allocation or anonymous mapping, keyed by process and address. */
struct sonde_alloc_key {
	__u64 addr;
	__u32 tgid;
	__u32 pad;
};

#define SONDE_ALLOC_MMAP 1U /* an anonymous mapping made outside the allocator */

struct sonde_alloc {
	__u64 size;
	__u64 time_ns; /* CLOCK_MONOTONIC when it was made */
	__u32 stack_id;
	__u32 flags; /* SONDE_ALLOC_* */
};

/*
 * Per-stack totals since the start (ARRAY indexed by stack id): what was
 * made and what went, no live count; what is live is derived
 * (user/mem/mem_tracer.c), so an allocation and a free make two atomic adds each,
 * not four and three. Every free, head cut off a mapping or untracked block
 * is of an allocation counted before it under the same stack, and the only
 * decrease (a failed realloc's free taken back) raises what is live: the
 * derived counts never go negative when read in the order the fields are
 * listed, bottom up.
 */
struct sonde_stack_stats {
	__u64 allocs;
	__u64 alloc_bytes;
	__u64 frees;	  /* tracked blocks freed */
	__u64 free_bytes; /* their sizes, and the heads cut off mappings by munmap */
	/* Blocks the allocs map could not keep (full): counted, never live. */
	__u64 untracked_allocs;
	__u64 untracked_bytes;
	__u32 tgid;  /* the process that made it first: for symbolizing */
	__u32 flags; /* SONDE_ALLOC_MMAP: anonymous mappings */
};

/* Per-process state (HASH keyed by tgid): the -p filter, and what the
 * kmem:rss_stat and brk tracepoints saw last. */
struct sonde_mem_proc {
	__s64 rss_pages[4]; /* by enum mm counter: file, anon, swap entries, shmem */
	__u64 rss_peak_pages;
	__u64 brk_bytes; /* mm->brk - mm->start_brk after the last brk() */
};

/* Event counters, indexes into the .bss array `counts`. */
enum sonde_mem_count {
	SONDE_MC_ALLOCS,	   /* allocator calls that returned memory */
	SONDE_MC_FREES,		   /* free() and realloc() of a non-NULL pointer */
	SONDE_MC_FREE_NULL,	   /* free(NULL) */
	SONDE_MC_FREE_UNTRACKED,   /* frees of memory allocated before tracing began */
	SONDE_MC_FAILED,	   /* allocator calls that returned NULL */
	SONDE_MC_MMAPS,		   /* anonymous mmap outside the allocator */
	SONDE_MC_MUNMAPS,	   /* munmap of a tracked mapping */
	SONDE_MC_MUNMAP_UNTRACKED, /* munmap of memory mapped before tracing or partially */
	SONDE_MC_MREMAPS,
	SONDE_MC_ALLOCATOR_MMAPS, /* mmap/munmap/mremap/brk made inside allocator calls */
	SONDE_MC_BRKS,
	SONDE_MC__COUNT,
};

/* Losses, indexes into the .bss array `drops`. ALLOCS_FULL and NO_STORAGE
 * make the live numbers lower bounds; the stack losses only move allocations
 * to the no-stack entry. */
enum sonde_mem_drop {
	SONDE_MD_ALLOCS_FULL, /* the live-allocation map was full (--max-allocs) */
	SONDE_MD_STACKS_FULL, /* the stack table was full (--max-stacks): counted under no stack */
	SONDE_MD_STALE,	      /* an address handed out again without a traced free */
	SONDE_MD_STACK,	      /* the stack could not be stored: counted under no stack */
	SONDE_MD_NO_STORAGE,  /* per-thread state could not be created */
	SONDE_MD_ORPHAN_RETURN, /* allocator return without its entry (attached mid-call) */
	SONDE_MD_MISSED_RETURN, /* entry whose return never came (longjmp) */
	SONDE_MD_RINGBUF,	/* --big/--sample/new-stack record lost: ring buffer full */
	SONDE_MD__COUNT,
};

/* Every ring-buffer record starts with its type. */
enum sonde_mem_rec_type {
	SONDE_MREC_NEW_STACK = 1, /* a stack seen for the first time: symbolize it now */
	SONDE_MREC_BIG,		  /* an allocation of at least --big bytes */
	SONDE_MREC_SAMPLE,	  /* every --sample N-th allocation */
};

struct sonde_mem_rec {
	__u32 type;
	__u32 stack_id;
	__u32 pid;
	__u32 tid;
	__u64 time_ns;
	__u64 addr;
	__u64 size;
	__u32 kind; /* enum sonde_alloc_kind, or SONDE_AK__COUNT for mmap */
	__u32 pad;
};

#endif /* SONDE_MEM_H */
