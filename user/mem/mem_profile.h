/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-memory model of a memory run (sonde mem): what the terminal and JSON
 * renderers print, and what a profile file will hold. Plain data; the model
 * owns every string and array in it, so it outlives the tracer that filled it.
 *
 * Stack totals are cumulative since the start of tracing. Each stack keeps a
 * series of its live bytes at the profile's sample times (the first one at
 * the start, where everything is 0); growth is the least-squares slope of it.
 */
#ifndef SONDE_MEM_PROFILE_H
#define SONDE_MEM_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "sonde/mem.h"

/* Samples kept per series; past it every other one is dropped and the
 * sampling stride doubles, so a long run keeps an even spread. */
#define MEM_PROFILE_DEFAULT_SAMPLES 120

struct mem_stack {
	__u32 id;  /* kernel stack id, SONDE_MEM_NO_STACK(_MMAP): unknown */
	__u32 pid; /* the process it was first seen in */
	bool mmap; /* anonymous mappings made outside the allocator */
	size_t nr_frames;
	char **frames; /* "function+0xoff", innermost (the allocator's caller) first */
	__u64 live_bytes;
	__u64 live_allocs;
	__u64 allocs;
	__u64 frees;
	__u64 alloc_bytes;
	double growth_bytes_per_s; /* least-squares slope of the series */
	double growth_r2;	   /* 1 = a straight line; 0 = no trend */
	bool cut;		   /* frames end before one that was not code (no frame pointers) */
	/* The judgement over the whole run (mem_judge_trend()), kept by update_growth: */
	bool suspect;
	bool freed_at_end;	 /* grew steadily to the end, then freed in the last samples */
	double leak_bytes_per_s; /* the steady growth: the whole run, or up to the peak */
	double leak_r2;
	double peak_bytes;
	/* From the scan of live allocations (final report): */
	__u64 oldest_ns;  /* age of the oldest live allocation */
	__u64 old_allocs; /* live allocations older than min_age_ns */
	__u64 old_bytes;
	double *series; /* live bytes at sample_ns[i], nr_samples of them */
};

struct mem_profile {
	bool final;
	__u64 duration_ns; /* since the start of tracing */
	__u64 interval_ns; /* this report's window: the interval, or the whole run */
	__u64 rss_bytes;   /* the traced processes, from kmem:rss_stat */
	__u64 rss_peak_bytes;
	__u64 brk_bytes;			/* brk heap size (mm->brk - mm->start_brk) */
	__u64 counts[SONDE_MC__COUNT];		/* cumulative event counts */
	__u64 interval_counts[SONDE_MC__COUNT]; /* counts in the report's window */
	__u64 drops[SONDE_MD__COUNT];
	__u64 min_age_ns;   /* --min-age of the old-allocation scan; 0 = not scanned */
	__u32 stack_depth;  /* frames kept per stack (--stack-depth) */
	__u32 nr_processes; /* processes seen */
	bool target_exited; /* the traced processes were gone at the last sample */
	/* -b: processes that exited while traced, and their blocks freed with them. */
	__u64 exited_processes, exited_blocks, exited_bytes;
	char allocator[32]; /* "jemalloc", "libc", ...; "" = none probed */
	char allocator_path[4096];
	char unseen[320]; /* what the probes cannot see and what to try; "" = nothing */
	/* The time axis of every stack's series. */
	size_t nr_samples, max_samples;
	__u64 *sample_ns; /* since the start */
	unsigned int stride, ticks;
	/* Sorted by id. */
	size_t nr_stacks, cap_stacks;
	struct mem_stack *stacks;
};

struct mem_profile *mem_profile_new(size_t max_samples);
void mem_profile_free(struct mem_profile *p);

/* The stack with this id, added (with no frames) if new; NULL on ENOMEM. */
struct mem_stack *mem_profile_stack(struct mem_profile *p, __u32 id);
struct mem_stack *mem_profile_find(const struct mem_profile *p, __u32 id);
/* Give a stack its frames (copied). */
int mem_stack_set_frames(struct mem_stack *s, const char *const *frames, size_t n);

/* Record every stack's live bytes at t_ns (since the start). Kept every
 * `stride` calls; `force` keeps it regardless (the last sample of a run). */
int mem_profile_sample(struct mem_profile *p, __u64 t_ns, bool force);
/* Growth rate and straightness of every stack from its series, and whether
 * it is a leak suspect (mem_judge_trend()). */
void mem_profile_update_growth(struct mem_profile *p);
/* Only the judgement, for a profile read back with its growth. */
void mem_profile_judge(struct mem_profile *p);

/* Totals over stacks: the allocator's (mmap = false) or anonymous mappings'. */
__u64 mem_profile_live_bytes(const struct mem_profile *p, bool mmap);
__u64 mem_profile_live_allocs(const struct mem_profile *p, bool mmap);
/* The live heap's growth (bytes/s): the sum of its stacks' least-squares
 * slopes, which is the slope of their sum (a least-squares fit is linear in
 * the values); anonymous mappings left out. 0 with fewer than 2 samples. */
double mem_profile_heap_growth(const struct mem_profile *p);
/* Whether the live numbers are lower bounds (a full map, lost stacks). */
bool mem_profile_lower_bound(const struct mem_profile *p);
/* Stacks with allocations that have at most 2 frames (no frame pointers). */
size_t mem_profile_shallow_stacks(const struct mem_profile *p, size_t *with_allocs);

/* Stack indexes by growth rate, then live bytes, descending; returns how many
 * were written (at most max). Stacks that never allocated are left out. */
size_t mem_profile_rank(const struct mem_profile *p, size_t *order, size_t max);
/* Leak suspect: live bytes grew steadily over the run (mem_judge_trend()) and
 * are still live, or were freed only at the end. */
bool mem_stack_is_suspect(const struct mem_profile *p, const struct mem_stack *s);
/* Stacks whose frames were cut at one that was not code. */
size_t mem_profile_cut_stacks(const struct mem_profile *p);

/* The old-allocation scan: one live allocation of `size` bytes, `age_ns` old. */
void mem_profile_clear_ages(struct mem_profile *p, __u64 min_age_ns);
int mem_profile_add_live(struct mem_profile *p, __u32 stack_id, __u64 size, __u64 age_ns);

/* ---- pure helpers (unit-tested) ------------------------------------------ */

/* A series judged over the whole run, not only where it ended. */
struct mem_trend {
	bool suspect;
	bool freed_at_end;	 /* freed within the last samples, after growing up to them */
	double rate_bytes_per_s; /* the steady growth */
	double r2;
	double peak_bytes;
};
/*
 * Leak suspect: at least 4 samples of steady growth (a positive least-squares
 * slope with r² >= 0.8), either over the whole series with something still
 * live at the end, or from the start up to a peak in the last 3 samples after
 * which at least half of it went (freed at exit, or as the run ended): the
 * growth is the same leak, whoever freed it last.
 */
void mem_judge_trend(const __u64 *t_ns, const double *v, size_t n, struct mem_trend *out);
/*
 * How many frames of a stack (zero-terminated, at most max) to keep: all up
 * to the first after the innermost that is_code() says is not code. A walk by
 * frame pointers through code built without them reads whatever the register
 * held (ASCII text: 0x766520726f662029) as return addresses.
 */
size_t mem_stack_plausible(const __u64 *ips, size_t max, bool (*is_code)(void *ctx, __u64 addr),
			   void *ctx);

/* Least-squares slope (per second) of v over t (ns), and r². -EINVAL for
 * fewer than 2 points or all at one time. */
int mem_growth_lsq(const __u64 *t_ns, const double *v, size_t n, double *slope, double *r2);
/* The series as `width` block characters (UTF-8 "▁".."█"), scaled from 0 to
 * its maximum; each character shows the last value of its slice. */
const char *mem_sparkline(const double *v, size_t n, size_t width, char *buf, size_t len);
/* "512B", "1.50KiB", "12.3MiB", "2.00GiB"; negative values get a '-'. */
const char *mem_fmt_bytes(char *buf, size_t len, double bytes);
/* "64", "4k", "1M", "2G" (powers of 1024), "1MiB", "1MB" -> bytes; -EINVAL. */
int mem_parse_size(const char *s, __u64 *bytes);
/* "leaky_fn+0x1c" -> "leaky_fn"; "(postgres+0x2a1f0)" (no symbol),
 * "libc.so.6+0x2a1f0" (profiles of older versions) and "0x7f.." unchanged. */
const char *mem_frame_function(const char *frame, char *buf, size_t len);

#endif
