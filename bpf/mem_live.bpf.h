/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of mem.bpf.c: the live blocks (allocs) and their stacks' totals
 * (stack_stats), recorded at an allocator's return and released at a free,
 * and the records sent to user space (big blocks, samples). Included after
 * the maps they use.
 */
#ifndef SONDE_MEM_LIVE_BPF_H
#define SONDE_MEM_LIVE_BPF_H

static __always_inline void emit(__u32 type, __u32 stack_id, __u64 addr, __u64 size, __u32 kind,
				 __u64 now)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct sonde_mem_rec *r;

	r = events_reserve(sizeof(*r), SONDE_MD_RINGBUF);
	if (!r)
		return;
	r->type = type;
	r->stack_id = stack_id;
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->time_ns = now;
	r->addr = addr;
	r->size = size;
	r->kind = kind;
	r->pad = 0;
	bpf_ringbuf_submit(r, 0);
}

static __always_inline struct sonde_stack_stats *stats_lookup(__u32 stack_id)
{
	__u32 i = stack_id;

	/* The lost stacks come last: heap at mask + 1, mappings at mask + 2. */
	if (sonde_mem_stack_lost(stack_id))
		i = stack_id_mask + 1 + (stack_id == SONDE_MEM_NO_STACK_MMAP);

	return bpf_map_lookup_elem(&stack_stats, &i);
}

/* The stack's totals; the first allocation on a stack claims its entry. */
static __always_inline struct sonde_stack_stats *stats_of(__u32 stack_id, __u32 tgid, __u32 flags,
							  __u64 now)
{
	struct sonde_stack_stats *s = stats_lookup(stack_id);

	if (s && !s->tgid && __sync_val_compare_and_swap(&s->tgid, 0, tgid) == 0) {
		s->flags = flags;
		/* Symbolized while the process is alive: it may be gone by the report. */
		emit(SONDE_MREC_NEW_STACK, stack_id, 0, 0, 0, now);
	}
	return s;
}

/* Take a live block out of the map and its stack's totals; false when it was
 * not tracked (allocated before tracing began, or already released). */
static __always_inline bool release(const struct sonde_alloc_key *key, struct sonde_alloc *out)
{
	struct sonde_stack_stats *s;
	struct sonde_alloc *a, copy;

	a = bpf_map_lookup_elem(&allocs, key);
	if (!a)
		return false;
	copy = *a;
	/* Two frees of one pointer race here: only the one whose delete succeeds counts. */
	if (bpf_map_delete_elem(&allocs, key))
		return false;
	s = stats_lookup(copy.stack_id);
	if (s) {
		__sync_fetch_and_add(&s->frees, 1);
		__sync_fetch_and_add(&s->free_bytes, copy.size);
	}
	if (out)
		*out = copy;
	return true;
}

/* Put a block taken out by release() back (a realloc that failed). */
static __always_inline void restore(const struct sonde_alloc_key *key, const struct sonde_alloc *a)
{
	struct sonde_stack_stats *s;

	if (bpf_map_update_elem(&allocs, key, a, BPF_NOEXIST))
		return;
	s = stats_lookup(a->stack_id);
	if (s) {
		__sync_fetch_and_add(&s->free_bytes, -a->size);
		__sync_fetch_and_add(&s->frees, -1);
	}
}

static __always_inline void record(const struct pt_regs *regs, __u64 addr, __u64 size, __u32 kind,
				   __u32 flags)
{
	__u64 now = bpf_ktime_get_ns(), seq;
	struct sonde_alloc_key key = {.addr = addr, .tgid = bpf_get_current_pid_tgid() >> 32};
	struct sonde_alloc a = {.size = size, .time_ns = now, .flags = flags};
	struct sonde_stack_stats *s;
	long id, err;

	id = user_stack_id(regs->ip, regs->bp, regs->sp);
	if (id < 0) {
		count_drop(id == -SONDE_E2BIG ? SONDE_MD_STACKS_FULL : SONDE_MD_STACK);
		id = flags & SONDE_ALLOC_MMAP ? SONDE_MEM_NO_STACK_MMAP : SONDE_MEM_NO_STACK;
	}
	a.stack_id = (__u32)id;
	count(flags & SONDE_ALLOC_MMAP ? SONDE_MC_MMAPS : SONDE_MC_ALLOCS);
	s = stats_of(a.stack_id, key.tgid, flags, now);
	if (!s)
		return; /* not reached: every id has an entry */
	__sync_fetch_and_add(&s->allocs, 1);
	__sync_fetch_and_add(&s->alloc_bytes, size);
	err = bpf_map_update_elem(&allocs, &key, &a, BPF_NOEXIST);
	if (err == -SONDE_EEXIST) {
		/* Handed out again without a free we saw: the old record is stale. */
		count_drop(SONDE_MD_STALE);
		release(&key, NULL);
		err = bpf_map_update_elem(&allocs, &key, &a, BPF_NOEXIST);
	}
	if (err) {
		count_drop(SONDE_MD_ALLOCS_FULL);
		__sync_fetch_and_add(&s->untracked_allocs, 1);
		__sync_fetch_and_add(&s->untracked_bytes, size);
	}
	if (big_bytes && size >= big_bytes)
		emit(SONDE_MREC_BIG, a.stack_id, addr, size, kind, now);
	if (sample_every) {
		seq = __sync_fetch_and_add(&sample_seq, 1);
		if (seq % sample_every == 0)
			emit(SONDE_MREC_SAMPLE, a.stack_id, addr, size, kind, now);
	}
}

#endif /* SONDE_MEM_LIVE_BPF_H */
