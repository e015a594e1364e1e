/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde mem's user stacks: walked by frame pointers, kept once each in the
 * stacks map under a small id, with a per-CPU cache of recent ones. mem.bpf.c
 * includes it, and lat.bpf.c for --offcpu-stacks (lat_offcpu.bpf.h); user
 * space sizes the maps and sets the rodata (user/mem/mem_tracer.c,
 * user/lat/lat_tracer.c).
 */
#ifndef SONDE_USER_STACK_BPF_H
#define SONDE_USER_STACK_BPF_H

#define SONDE_EEXIST	   17 /* errno.h is not for BPF programs */
#define SONDE_E2BIG	   7
#define SONDE_STACK_PROBES 8 /* ids tried for a stack before it is dropped */

const volatile __u32 stack_depth = SONDE_MEM_MAX_STACK_DEPTH; /* --stack-depth */
/* Stack ids stay below --max-stacks rounded up to a power of two, as the
 * bucket indexes of a STACK_TRACE map do: user space keeps a table by id. */
const volatile __u32 stack_id_mask = 0;

/*
 * User stacks, id -> return addresses (zero-terminated), filled by
 * user_stack_id() below rather than bpf_get_stackid(): same layout as a
 * STACK_TRACE map, so user space reads both alike.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* --max-stacks */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, SONDE_MEM_MAX_STACK_DEPTH * sizeof(__u64)); /* --stack-depth */
} stacks SEC(".maps");

/*
 * Stacks recently seen on this CPU, by hash: (hash >> 24) << 24 | id, where
 * ids stay below 2^22 (--max-stacks). A hit skips the stacks map's lookup and
 * the comparison of every frame (~25 ns of a malloc); one 64-bit word per
 * entry, so a program preempted mid-update leaves no torn entry behind.
 * With 8 bits of slot and 40 of tag, two stacks are taken for one with odds
 * of 2^-48 per allocation.
 */
#define SONDE_STACK_CACHE   256
#define SONDE_STACK_ID_BITS 24
#define SONDE_STACK_ID_MAX  ((1ULL << SONDE_STACK_ID_BITS) - 1)

/* The stack being unwound: too big for the BPF stack. nr: frames written last time. */
struct sonde_stack_buf {
	__u64 ips[SONDE_MEM_MAX_STACK_DEPTH];
	__u32 nr;
	__u32 gen; /* bumped by every walk: a preempted walk sees it move */
	__u64 cache[SONDE_STACK_CACHE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sonde_stack_buf);
} stack_buf SEC(".maps");

/*
 * The user stack by frame pointers, as bpf_get_stackid(BPF_F_USER_STACK)
 * takes it (the interrupted ip, then the return address of each frame), but
 * stopping where the chain ends. The kernel's walk (perf_callchain_user,
 * arch/x86/events/core.c) stops only when a read fails, and every chain ends
 * in rbp = 0 (_start clears it, as the x86-64 ABI asks): each walk ended with
 * a fault on address 0, ~490 ns of the ~840 ns bpf_get_stackid cost here.
 * A frame must lie above the previous one (stacks grow down), which also
 * ends chains through code built without frame pointers sooner.
 * With `task` (the thread walked, current), frames whose return address a
 * uretprobe took over are given their real one (user_stack_fix_uretprobes());
 * without (mem: it walks at its own entry probes), such frames show as
 * [uprobes].
 */
/*
 * A uretprobe replaces the return address of the call it waits for by its
 * trampoline's, and keeps the real one in the thread's pending return
 * instances, innermost first: each trampoline address in the walk, from the
 * innermost, is the next instance's, as the kernel's own stack traces fix them
 * (fixup_uretprobe_trampoline_entries(), kernel/events/callchain.c).
 * sonde lat's traced calls all have one. A bpf_loop() over the frames: its
 * callback is verified once, where an inline loop would be once per frame
 * count the walk may have ended at.
 */
struct sonde_uretprobe_fix {
	struct sonde_stack_buf *b;
	__u64 ri; /* the next pending return instance (struct return_instance *), or 0 */
	__u64 trampoline;
};

static long user_stack_fix_frame(__u64 i, void *ctx)
{
	struct sonde_uretprobe_fix *c = ctx;
	struct return_instance *ri = (struct return_instance *)c->ri;

	if (i == 0 || i >= SONDE_MEM_MAX_STACK_DEPTH || c->b->ips[i] != c->trampoline)
		return 0;
	if (!ri)
		return 1; /* more trampolines than instances: the rest stay */
	c->b->ips[i] = BPF_CORE_READ(ri, orig_ret_vaddr);
	c->ri = (__u64)BPF_CORE_READ(ri, next);
	return 0;
}

static __always_inline void user_stack_fix_uretprobes(struct sonde_stack_buf *b, __u32 n,
						      struct task_struct *task)
{
	struct sonde_uretprobe_fix c = {
	    .b = b,
	    .ri = (__u64)BPF_CORE_READ(task, utask, return_instances),
	    .trampoline = BPF_CORE_READ(task, mm, uprobes_state.xol_area, vaddr),
	};

	if (c.ri && c.trampoline)
		bpf_loop(n, user_stack_fix_frame, &c, 0);
}

static __always_inline long user_stack_id_of(__u64 ip, __u64 fp, __u64 sp, struct task_struct *task)
{
	__u32 zero = 0, i, n = 1, id, try;
	__u64 frame[2], h, *old, *slot, tag, cached;
	struct sonde_stack_buf *b;
	long err;
	__u32 gen;

	b = bpf_map_lookup_elem(&stack_buf, &zero);
	if (!b)
		return -1;
	gen = ++b->gen;
	b->ips[0] = ip;
	for (i = 1; i < SONDE_MEM_MAX_STACK_DEPTH && i < stack_depth; i++) {
		if (fp < sp || (fp & 7) || bpf_probe_read_user(frame, sizeof(frame), (void *)fp))
			break;
		if (!frame[1])
			break;
		b->ips[i] = frame[1];
		n = i + 1;
		sp = fp + sizeof(frame);
		fp = frame[0];
	}
	if (task)
		user_stack_fix_uretprobes(b, n, task);
	/* Zero what the last, deeper stack left: the value ends at the first 0. */
	for (i = n; i < b->nr && i < SONDE_MEM_MAX_STACK_DEPTH; i++) {
		barrier_var(i); /* else clang makes it a memset(), which BPF lacks */
		b->ips[i] = 0;
	}
	b->nr = n;
	/* FNV-1a over the addresses; a collision moves on to the next id. */
	h = 0xcbf29ce484222325ULL;
	for (i = 0; i < n && i < SONDE_MEM_MAX_STACK_DEPTH; i++)
		h = (h ^ b->ips[i]) * 0x100000001b3ULL;
	slot = &b->cache[h & (SONDE_STACK_CACHE - 1)];
	tag = h >> SONDE_STACK_ID_BITS << SONDE_STACK_ID_BITS;
	cached = *slot;
	if (cached && (cached & ~SONDE_STACK_ID_MAX) == tag)
		return cached & SONDE_STACK_ID_MAX;
	h ^= h >> 32;
	for (try = 0; try < SONDE_STACK_PROBES; try++) {
		id = (__u32)(h + try) & stack_id_mask;
		old = bpf_map_lookup_elem(&stacks, &id);
		if (!old) {
			err = bpf_map_update_elem(&stacks, &id, b->ips, BPF_NOEXIST);
			if (!err)
				goto found;
			if (err != -SONDE_EEXIST)
				return err; /* full: --max-stacks */
			/* Another CPU stored it first: compare with what it stored. */
			old = bpf_map_lookup_elem(&stacks, &id);
			if (!old)
				return -1;
		}
		for (i = 0; i < n && i < SONDE_MEM_MAX_STACK_DEPTH; i++)
			if (old[i] != b->ips[i])
				break;
		if (i == n && (n >= stack_depth || n >= SONDE_MEM_MAX_STACK_DEPTH || !old[n]))
			goto found;
	}
	return -SONDE_E2BIG; /* every id this stack may take is another stack's */
found:
	/*
	 * A preemptible kernel may have run another allocation's walk on this
	 * CPU meanwhile, over b->ips: then this id may be that stack's, and
	 * cached it would stay wrong for every later allocation of this one.
	 */
	if (b->gen != gen)
		return -1;
	*slot = tag | id;
	return id;
}

static __always_inline long user_stack_id(__u64 ip, __u64 fp, __u64 sp)
{
	return user_stack_id_of(ip, fp, sp, NULL);
}

#endif /* SONDE_USER_STACK_BPF_H */
