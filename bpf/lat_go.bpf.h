/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of lat.bpf.c, included after its call accounting (call_times(),
 * charge_parent(), finish_call()), which Go's calls share.
 */
#ifndef SONDE_LAT_GO_BPF_H
#define SONDE_LAT_GO_BPF_H

/*
 * Go. The goroutine (its g, in r14 under Go's register ABI, 1.17+) owns the
 * calls, not the thread: it can block on one thread and resume on another,
 * and growing its stack copies it elsewhere, so neither the thread nor the
 * stack pointer pairs an exit with its entry. Exits match the innermost open
 * call of their own function instead. A goroutine's entry exists only while
 * it is inside a traced call. No scheduler split: a goroutine parked on a
 * channel is not a thread off the CPU.
 */
struct sonde_go_frame {
	__u64 start_ns;
	__u64 child_ns;
	__u64 probe_cost_ns;
	__u32 site;
	__u32 depth_bytes; /* g.stack.hi - sp at entry: kept when the stack is copied; 0: unknown */
};

struct sonde_go_stack {
	__u32 depth; /* may exceed SONDE_GO_DEPTH: frames past it are not kept */
	__u32 pad;
	struct sonde_go_frame frames[SONDE_GO_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SONDE_GO_MAX_GOROUTINES);
	__type(key, __u64);
	__type(value, struct sonde_go_stack);
} go_stacks SEC(".maps");

/* A zeroed value to create a goroutine's entry from (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sonde_go_stack);
} go_stack_zero SEC(".maps");

_Static_assert((SONDE_GO_DEPTH & (SONDE_GO_DEPTH - 1)) == 0, "masked as an index");

static __always_inline struct sonde_go_stack *go_stack_get_or_create(__u64 g)
{
	struct sonde_go_stack *gs = bpf_map_lookup_elem(&go_stacks, &g);
	__u32 zero = 0;
	void *init;

	if (gs)
		return gs;
	init = bpf_map_lookup_elem(&go_stack_zero, &zero);
	if (!init || bpf_map_update_elem(&go_stacks, &g, init, BPF_NOEXIST))
		return NULL;
	return bpf_map_lookup_elem(&go_stacks, &g);
}

/*
 * How deep into its goroutine's stack a call runs: g.stack.hi (the second
 * word of the g) less sp. A stack copy moves both. 0 when unknown.
 */
static __always_inline __u32 go_depth_bytes(__u64 g, __u64 sp)
{
	__u64 hi = 0;

	if (bpf_probe_read_user(&hi, sizeof(hi), (void *)(g + 8)) || hi <= sp ||
	    hi - sp > 0xffffffffULL)
		return 0;
	return (__u32)(hi - sp);
}

/*
 * Calls at or below a new call's depth have ended without an exit: a panic
 * unwound them and a deferred recover() went on above them. Dropped, counted,
 * or a goroutine that keeps recovering would fill its stack.
 */
static __always_inline __u32 go_drop_dead_frames(struct sonde_go_stack *gs, __u32 depth_bytes)
{
	__u32 d = gs->depth, i;

	for (i = 0; i < SONDE_UNWIND_LOOKBACK && d > 0 && d <= SONDE_GO_DEPTH; i++) {
		const struct sonde_go_frame *top = &gs->frames[(d - 1) & (SONDE_GO_DEPTH - 1)];

		if (!depth_bytes || !top->depth_bytes || top->depth_bytes < depth_bytes)
			break;
		count_drop(SONDE_DROP_UNWOUND);
		d--;
	}
	gs->depth = d;
	return d;
}

static __always_inline int on_entry_go(void *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u64 g = ((struct pt_regs *)ctx)->r14;
	struct sonde_go_stack *gs;
	struct sonde_go_frame *f;
	__u32 d, depth_bytes;

	if (!g || task_is_filtered_out(bpf_get_current_task_btf()))
		return 0;
	gs = go_stack_get_or_create(g);
	if (!gs) {
		count_drop(SONDE_DROP_NO_STORAGE);
		return 0;
	}
	depth_bytes = go_depth_bytes(g, call_sp(ctx));
	d = go_drop_dead_frames(gs, depth_bytes);
	if (d >= SONDE_GO_DEPTH) {
		gs->depth = d + 1;
		count_drop(SONDE_DROP_DEPTH);
		return 0;
	}
	f = &gs->frames[d & (SONDE_GO_DEPTH - 1)];
	f->site = (__u32)cookie;
	f->depth_bytes = depth_bytes;
	f->start_ns = now;
	f->child_ns = 0;
	f->probe_cost_ns = 0;
	gs->depth = d + 1;
	return 0;
}

/* The innermost open call of function `id`, within the lookback; -1 if none. */
static __always_inline int go_find_frame(const struct sonde_go_stack *gs, __u32 d, __u32 id)
{
	__u32 i, idx;

	for (i = 0; i < SONDE_UNWIND_LOOKBACK && i < d; i++) {
		idx = (d - 1 - i) & (SONDE_GO_DEPTH - 1);
		if ((gs->frames[idx].site & SONDE_COOKIE_ID_MASK) == id) {
			/* Calls above it never returned through an exit (a panic unwound them). */
			if (i)
				count_drops(SONDE_DROP_UNWOUND, i);
			return (int)idx;
		}
	}
	return -1;
}

static __always_inline int on_exit_go(void *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u32 id = (__u32)(cookie & SONDE_COOKIE_ID_MASK);
	__u64 g = ((struct pt_regs *)ctx)->r14;
	struct sonde_go_stack *gs;
	struct sonde_go_frame *f;
	struct sonde_call call = {.id = id};
	__u32 d, shape;
	int idx;

	if (!g || task_is_filtered_out(bpf_get_current_task_btf()))
		return 0;
	gs = bpf_map_lookup_elem(&go_stacks, &g);
	if (!gs || gs->depth == 0) {
		count_drop(SONDE_DROP_ORPHAN_RETURN);
		return 0;
	}
	d = gs->depth;
	if (d > SONDE_GO_DEPTH) {
		gs->depth = d - 1;
		return 0;
	}
	idx = go_find_frame(gs, d, id);
	if (idx < 0) {
		count_drop(SONDE_DROP_ORPHAN_RETURN);
		return 0;
	}
	idx &= SONDE_GO_DEPTH - 1;
	f = &gs->frames[idx];
	shape = exit_shape(f->site, cookie);
	call_times(&call, now, f->start_ns, f->child_ns, f->probe_cost_ns, shape);
	if (idx > 0) {
		struct sonde_go_frame *parent = &gs->frames[(idx - 1) & (SONDE_GO_DEPTH - 1)];

		charge_parent(&parent->child_ns, &parent->probe_cost_ns, &call, f->probe_cost_ns,
			      shape);
		gs->depth = idx;
	} else {
		/* Out of every traced call: the goroutine's entry goes until its next one. */
		bpf_map_delete_elem(&go_stacks, &g);
	}
	finish_call(ctx, bpf_map_lookup_elem(&func_stats, &id), &call, false, now);
	return 0;
}

#endif /* SONDE_LAT_GO_BPF_H */
