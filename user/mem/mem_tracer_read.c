// SPDX-License-Identifier: GPL-2.0
/* sonde mem's maps read into the model: counters, processes, stacks, ages, memory use. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "core/percpu.h"
#include "core/util.h"
#include "mem.skel.h"
#include "mem/mem_stacks.h"
#include "mem/mem_tracer_priv.h"

const char *const *mem_tracer__stack_frames(struct mem_tracer *mt, __u32 id, __u32 pid, size_t *nr,
					    bool *cut)
{
	return mem_stacks__frames(mt->stacks, id, pid, nr, cut);
}

static void read_procs(struct mem_tracer *mt, struct mem_profile *p)
{
	int fd = bpf_map__fd(mt->skel->maps.procs);
	long page = sysconf(_SC_PAGESIZE);
	struct sonde_mem_proc v;
	__u32 key, *prev = NULL;

	p->rss_bytes = p->rss_peak_bytes = p->brk_bytes = 0;
	p->nr_processes = 0;
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;
		__s64 rss = v.rss_pages[0] + v.rss_pages[1] + v.rss_pages[3];

		p->rss_bytes += rss > 0 ? (__u64)rss * page : 0;
		p->rss_peak_bytes += v.rss_peak_pages * page;
		p->brk_bytes += v.brk_bytes;
		p->nr_processes++;
	}
}

/* The stack id of entry i of the stack_stats array (bpf/mem.bpf.c, stats_lookup()). */
static __u32 stack_id_at(const struct mem_tracer *mt, size_t i)
{
	if (i + 2 == mt->nr_stack_stats)
		return SONDE_MEM_NO_STACK;
	if (i + 1 == mt->nr_stack_stats)
		return SONDE_MEM_NO_STACK_MMAP;
	return (__u32)i;
}

/*
 * One stack's totals, copied while the BPF programs keep adding to them:
 * the frees before the allocations they free (include/sonde/mem.h), so
 * that what is live never comes out negative.
 */
static void copy_stack_stats(const volatile struct sonde_stack_stats *from,
			     struct sonde_stack_stats *to)
{
	to->tgid = from->tgid;
	to->flags = from->flags;
	to->untracked_bytes = from->untracked_bytes;
	to->untracked_allocs = from->untracked_allocs;
	to->free_bytes = from->free_bytes;
	to->frees = from->frees;
	to->alloc_bytes = from->alloc_bytes;
	to->allocs = from->allocs;
}

/* The per-CPU event counters, added up; a counter that cannot be read keeps
 * its last value (the interval rates are differences of these). */
static void read_counts(struct mem_tracer *mt, __u64 counts[SONDE_MC__COUNT])
{
	int fd = bpf_map__fd(mt->skel->maps.counts);
	struct percpu_value per_cpu;
	__u32 c;

	if (percpu_value_init(&per_cpu, sizeof(__u64)))
		return;
	for (c = 0; c < SONDE_MC__COUNT; c++)
		if (!percpu_value_lookup(&per_cpu, fd, &c))
			percpu_value_sum_u64(&per_cpu, 0, &counts[c], 1);
	percpu_value_free(&per_cpu);
}

int mem_tracer__read(struct mem_tracer *mt, struct mem_profile *p)
{
	const char *const *frames;
	struct sonde_stack_stats v;
	struct mem_stack *s;
	size_t i, nr;
	__u32 id;
	int err;

	if (mt->reap) {
		err = mem_reap_exited(bpf_map__fd(mt->skel->maps.procs),
				      bpf_map__fd(mt->skel->maps.allocs), mt->stack_stats,
				      mt->nr_stack_stats, &mt->reaped);
		if (err)
			return err;
		p->exited_processes = mt->reaped.processes;
		p->exited_blocks = mt->reaped.blocks;
		p->exited_bytes = mt->reaped.bytes;
	}
	read_counts(mt, p->counts);
	memcpy(p->drops, mt->skel->bss->drops, sizeof(p->drops));
	p->stack_depth = mt->stack_depth;
	read_procs(mt, p);
	for (i = 0; i < mt->nr_stack_stats; i++) {
		copy_stack_stats(&mt->stack_stats[i], &v);
		if (!v.tgid)
			continue; /* no allocation on this stack yet */
		id = stack_id_at(mt, i);
		s = mem_profile_stack(p, id);
		if (!s)
			return -ENOMEM;
		s->pid = v.tgid;
		s->mmap = v.flags & SONDE_ALLOC_MMAP;
		s->live_bytes = sub_floor0(v.alloc_bytes, v.free_bytes + v.untracked_bytes);
		s->live_allocs = sub_floor0(v.allocs, v.frees + v.untracked_allocs);
		s->allocs = v.allocs;
		s->frees = v.frees;
		s->alloc_bytes = v.alloc_bytes;
		if (s->nr_frames)
			continue;
		frames = mem_tracer__stack_frames(mt, id, v.tgid, &nr, &s->cut);
		if (frames && nr && (err = mem_stack_set_frames(s, frames, nr)))
			return err;
	}
	return 0;
}

struct age_scan {
	struct mem_profile *p;
	__u64 now;
};

static void add_age(const struct sonde_alloc_key *key, const struct sonde_alloc *a, void *ctx)
{
	struct age_scan *as = ctx;

	(void)key;
	mem_profile_add_live(as->p, a->stack_id, a->size,
			     as->now > a->time_ns ? as->now - a->time_ns : 0);
}

int mem_tracer__scan_ages(struct mem_tracer *mt, struct mem_profile *p, __u64 min_age_ns)
{
	struct age_scan as = {p, 0};

	mem_profile_clear_ages(p, min_age_ns);
	as.now = now_ns();
	return mem_allocs_for_each(bpf_map__fd(mt->skel->maps.allocs), add_age, &as);
}

/* memlock of a map as the kernel accounts it (/proc/self/fdinfo/FD). */
static __u64 map_memlock(int fd)
{
	unsigned long long v = 0;
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

__u64 mem_tracer__map_bytes(const struct mem_tracer *mt)
{
	struct bpf_map *m;
	__u64 sum = 0;

	bpf_object__for_each_map(m, mt->skel->obj) sum += map_memlock(bpf_map__fd(m));
	return sum;
}
