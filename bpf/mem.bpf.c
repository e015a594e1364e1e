// SPDX-License-Identifier: GPL-2.0
/*
 * sonde mem: live allocations and anonymous mappings, tracked in the kernel.
 *
 * One entry and one return program serve every allocator function: the
 * attach cookie is the site index, and site_kind[] (rodata, filled by the
 * loader) says how that site's arguments read. Two links per object instead
 * of two per function, and no per-function program to keep in step. free()
 * has its own entry program and no return probe: it needs nothing from its
 * return, and a uretprobe would double its cost.
 *
 * An allocation is recorded at the allocator's return, where the user stack
 * starts at the caller (at the entry, frame-pointer unwinding would skip the
 * caller: the callee has not pushed its frame yet). Only the outermost
 * allocator call of a thread counts: reallocarray() calling realloc(), or
 * realloc(p, 0) calling free(), would otherwise be counted twice.
 *
 * mmap/munmap/mremap/brk are seen where they return, from their syscall
 * tracepoints (or the raw sys_exit one: mem_sys_exit). Those made inside an
 * allocator call are the allocator's own (arenas, large chunks) and are only
 * counted. RSS comes from kmem:rss_stat, which fires whenever a process's RSS
 * counters change.
 */
#include "vmlinux.h"
#include "sonde/mem.h"
#define SONDE_DROP_KINDS SONDE_MD__COUNT
#include "common.bpf.h"
#include "percpu_add.bpf.h"
#include "user_stack.bpf.h"

#define SONDE_PAGE	     4096ULL
#define SONDE_MAP_ANONYMOUS  0x20
#define SONDE_NR_MMAP	     9
#define SONDE_NR_MUNMAP	     11
#define SONDE_NR_BRK	     12
#define SONDE_NR_MREMAP	     25
#define SONDE_MUNMAP_REGIONS 8 /* tracked mappings one munmap() may cover */

/* Without -b (filter_exe_ino, common.bpf.h), the procs map filters. */
const volatile __u8 site_kind[SONDE_MEM_MAX_SITES] = {};
const volatile __u64 big_bytes = 0;    /* --big: 0 = off */
const volatile __u64 sample_every = 0; /* --sample N: 0 = off */

__u64 sample_seq = 0;

struct sonde_mem_thread {
	__u64 size; /* requested bytes of the call in flight */
	__u64 arg;  /* realloc: the old pointer; posix_memalign: where the pointer goes */
	__u64 sp;   /* stack pointer at the outermost entry */
	__u32 depth;
	__u32 kind;
	struct sonde_alloc old; /* realloc: the old block, released at entry */
	__u32 old_valid;
	__u32 pad;
	__u64 last_delete; /* the pointer the last C++ delete of the thread took */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sonde_mem_thread);
} threads SEC(".maps");

/*
 * Preallocated: an insert or delete only moves an element on a per-CPU free
 * list (kernel/bpf/percpu_freelist.c), where BPF_F_NO_PREALLOC allocates and
 * RCU-frees one per call; measured here, ~110 ns less per malloc+free pair.
 * The price is --max-allocs elements charged at load, live or not: ~100 MiB at
 * the default 1M (and less than the same 1M live elements without preallocation).
 * The loader adds BPF_F_NO_PREALLOC above SONDE_MEM_PREALLOC_MAX.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* --max-allocs */
	__type(key, struct sonde_alloc_key);
	__type(value, struct sonde_alloc);
} allocs SEC(".maps");

/*
 * Per-stack totals, indexed by stack id (below stack_id_mask + 1), then the
 * allocations without a stack (stats_lookup()). An array: a lookup is
 * a bounds check and an add, where a hash lookup was ~20 ns, and each
 * malloc()+free() made two. User space reads it through mmap. An entry is
 * in use once its tgid is set.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* stack_id_mask + 3 */
	__type(key, __u32);
	__type(value, struct sonde_stack_stats);
} stack_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct sonde_mem_proc);
} procs SEC(".maps");

/*
 * Events by kind (enum sonde_mem_count), per CPU: a malloc()+free() pair
 * counts two, which as atomic adds to one shared array cost ~20 ns.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SONDE_MC__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void count(enum sonde_mem_count c)
{
	__u32 key = c;
	__u64 *n = bpf_map_lookup_elem(&counts, &key);

	if (n)
		percpu_add(n, 1);
}

static __always_inline bool exe_filtered_out(void)
{
	if (!filter_exe_ino)
		return false;
	return task_runs_other_exe(bpf_get_current_task_btf());
}

/* The traced process's state, or NULL when the current task is not traced. */
static __always_inline struct sonde_mem_proc *proc_of_current(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct sonde_mem_proc *p, zero = {};

	p = bpf_map_lookup_elem(&procs, &tgid);
	if (p || !filter_exe_ino || exe_filtered_out())
		return p;
	/* -b: a process of the binary seen for the first time. */
	bpf_map_update_elem(&procs, &tgid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&procs, &tgid);
}

static __always_inline void emit(__u32 type, __u32 stack_id, __u64 addr, __u64 size, __u32 kind,
				 __u64 now)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct sonde_mem_rec *r;

	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_drop(SONDE_MD_RINGBUF);
		return;
	}
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

static __always_inline struct sonde_mem_thread *thread_get(bool create)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct sonde_mem_thread *t;

	t = bpf_task_storage_get(&threads, task, NULL, 0);
	if (t || !create)
		return t;
	return task_state_create(&threads, task, SONDE_MD_NO_STORAGE);
}

/* realloc(p, ...): p is released at the entry, before the allocator can hand
 * it to another thread, and put back if the call fails. */
static __always_inline void realloc_entry(struct sonde_mem_thread *t, __u64 old)
{
	struct sonde_alloc_key key = {.addr = old, .tgid = bpf_get_current_pid_tgid() >> 32};

	t->arg = old;
	t->old_valid = 0;
	if (!old)
		return;
	count(SONDE_MC_FREES);
	if (release(&key, &t->old))
		t->old_valid = 1;
	else
		count(SONDE_MC_FREE_UNTRACKED);
}

static __always_inline int on_alloc_entry(struct pt_regs *ctx)
{
	__u64 sp = call_sp(ctx), a0 = PT_REGS_PARM1(ctx), a1 = PT_REGS_PARM2(ctx);
	__u32 site = (__u32)bpf_get_attach_cookie(ctx);
	struct sonde_mem_thread *t;
	__u32 kind;

	if (exe_filtered_out())
		return 0;
	t = thread_get(true);
	if (!t)
		return 0;
	if (t->depth) {
		/*
		 * Nested in a call that is still running (a lower stack pointer), or
		 * tail-called by it (the same one: reallocarray ends in `jmp realloc`,
		 * and both return probes fire at the one return): part of that call.
		 */
		if (sp <= t->sp) {
			t->depth++;
			return 0;
		}
		/* At or above the outer entry: that call left without returning (longjmp). */
		count_drop(SONDE_MD_MISSED_RETURN);
	}
	kind = site_kind[site & (SONDE_MEM_MAX_SITES - 1)];
	t->depth = 1;
	t->sp = sp;
	t->kind = kind;
	t->old_valid = 0;
	switch (kind) {
	case SONDE_AK_CALLOC:
		t->size = a0 * a1;
		break;
	case SONDE_AK_REALLOC:
		t->size = a1;
		realloc_entry(t, a0);
		break;
	case SONDE_AK_REALLOCARRAY:
		t->size = a1 * PT_REGS_PARM3(ctx);
		realloc_entry(t, a0);
		break;
	case SONDE_AK_POSIX_MEMALIGN:
		t->arg = a0;
		t->size = PT_REGS_PARM3(ctx);
		break;
	case SONDE_AK_MEMALIGN:
		t->size = a1;
		break;
	case SONDE_AK_PVALLOC:
		t->size = (a0 + SONDE_PAGE - 1) & ~(SONDE_PAGE - 1);
		break;
	default: /* malloc, valloc */
		t->size = a0;
		break;
	}
	return 0;
}

static __always_inline int on_alloc_return(struct pt_regs *ctx)
{
	__u64 entry_sp = call_sp_after_return(ctx), ret = PT_REGS_RC(ctx), addr = 0;
	struct sonde_mem_thread *t;

	if (exe_filtered_out())
		return 0;
	t = thread_get(false);
	if (!t || !t->depth) {
		count_drop(SONDE_MD_ORPHAN_RETURN);
		return 0;
	}
	if (--t->depth)
		return 0; /* an inner call's return */
	if (entry_sp != t->sp) {
		count_drop(SONDE_MD_ORPHAN_RETURN);
		return 0;
	}
	if (t->kind == SONDE_AK_POSIX_MEMALIGN) {
		if ((int)ret == 0 && bpf_probe_read_user(&addr, sizeof(addr), (void *)t->arg))
			addr = 0;
	} else {
		addr = ret;
	}
	if (addr) {
		record(ctx, addr, t->size, t->kind, 0);
		return 0;
	}
	if (t->kind == SONDE_AK_REALLOC || t->kind == SONDE_AK_REALLOCARRAY) {
		/* realloc(p, 0) returning NULL freed p (glibc); otherwise p is still live. */
		if (t->size == 0)
			return 0;
		if (t->old_valid) {
			struct sonde_alloc_key key = {.addr = t->arg,
						      .tgid = bpf_get_current_pid_tgid() >> 32};

			restore(&key, &t->old);
		}
	}
	count(SONDE_MC_FAILED);
	return 0;
}

/*
 * free(), or a C++ delete (cookie SONDE_FREE_DELETE). Most deletes end in
 * `jmp free` (jemalloc's do): the delete remembers its pointer in the
 * thread's state, and the free() that follows with the same pointer is
 * part of it. Only the deletes pay for that state; free() asks it only when
 * its block was not found, off the common path.
 */
static __always_inline int on_free(struct pt_regs *ctx)
{
	struct sonde_alloc_key key = {.addr = PT_REGS_PARM1(ctx)};
	bool is_delete = bpf_get_attach_cookie(ctx) == SONDE_FREE_DELETE;
	struct sonde_mem_thread *t;
	bool found;

	if (exe_filtered_out())
		return 0;
	if (!key.addr) {
		count(SONDE_MC_FREE_NULL);
		return 0;
	}
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	found = release(&key, NULL);
	if (is_delete) {
		t = thread_get(true);
		if (t)
			t->last_delete = key.addr;
	} else if (found) {
		count(SONDE_MC_FREES);
		return 0;
	} else {
		/*
		 * Not tracked. free() called by realloc() itself is part of that
		 * call: realloc's entry already released and counted the block;
		 * free() ending a delete is part of the delete.
		 */
		t = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), NULL, 0);
		if (t && t->depth && PT_REGS_SP(ctx) <= t->sp)
			return 0;
		if (t && t->last_delete == key.addr) {
			t->last_delete = 0;
			return 0;
		}
	}
	count(SONDE_MC_FREES);
	if (!found)
		count(SONDE_MC_FREE_UNTRACKED);
	return 0;
}

/* mem_alloc_entry_multi, mem_alloc_entry_single (common.bpf.h), and the rest alike. */
SONDE_UPROBE_PROGS(mem_alloc_entry, on_alloc_entry(ctx))
SONDE_URETPROBE_PROGS(mem_alloc_return, on_alloc_return(ctx))
SONDE_UPROBE_PROGS(mem_free, on_free(ctx))

/* ---- syscalls ------------------------------------------------------------ */

static __always_inline bool is_mem_syscall(long nr)
{
	return nr == SONDE_NR_MMAP || nr == SONDE_NR_MUNMAP || nr == SONDE_NR_MREMAP ||
	       nr == SONDE_NR_BRK;
}

static __always_inline __u64 page_round(__u64 len)
{
	return (len + SONDE_PAGE - 1) & ~(SONDE_PAGE - 1);
}

/* munmap(addr, len) of tracked mappings: whole ones go, a head is cut off. */
static __always_inline void unmap(__u64 addr, __u64 len)
{
	struct sonde_alloc_key key = {.tgid = bpf_get_current_pid_tgid() >> 32};
	__u64 end = addr + page_round(len);
	struct sonde_stack_stats *s;
	struct sonde_alloc *a, rest;
	int i;

	for (i = 0; i < SONDE_MUNMAP_REGIONS && addr < end; i++) {
		key.addr = addr;
		a = bpf_map_lookup_elem(&allocs, &key);
		if (!a || !(a->flags & SONDE_ALLOC_MMAP)) {
			if (i == 0)
				count(SONDE_MC_MUNMAP_UNTRACKED);
			return;
		}
		count(SONDE_MC_MUNMAPS);
		if (addr + a->size <= end) {
			addr += a->size;
			release(&key, NULL);
			continue;
		}
		/* The tail stays mapped: it is the same mapping, moved up and smaller. */
		rest = *a;
		rest.size -= end - addr;
		if (bpf_map_delete_elem(&allocs, &key))
			return;
		key.addr = end;
		if (bpf_map_update_elem(&allocs, &key, &rest, BPF_NOEXIST)) {
			rest.size += end - addr;
			s = stats_lookup(rest.stack_id);
			if (s) {
				__sync_fetch_and_add(&s->untracked_allocs, 1);
				__sync_fetch_and_add(&s->untracked_bytes, rest.size);
			}
			return;
		}
		s = stats_lookup(rest.stack_id);
		if (s)
			__sync_fetch_and_add(&s->free_bytes, end - addr);
		return;
	}
}

static __always_inline void brk_done(struct sonde_mem_proc *p)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 start = BPF_CORE_READ(task, mm, start_brk), cur = BPF_CORE_READ(task, mm, brk);

	count(SONDE_MC_BRKS);
	p->brk_bytes = cur > start ? cur - start : 0;
}

/*
 * A memory syscall `nr` of the current task returned `ret`. regs are the
 * user registers saved at the syscall's entry: the arguments are still
 * there (di, si, dx, r10), as are ip, bp and sp for the user stack, so the
 * return alone tells everything and no entry hook is needed.
 */
static __always_inline int syscall_done(long nr, const struct pt_regs *regs, long ret)
{
	struct sonde_alloc_key key = {};
	struct sonde_mem_proc *p;
	struct sonde_mem_thread *t;

	p = proc_of_current();
	if (!p)
		return 0;
	if (nr == SONDE_NR_BRK) {
		brk_done(p);
		return 0;
	}
	/* Made inside an allocator call: the allocator's own memory, counted as heap. */
	t = thread_get(false);
	if (t && t->depth) {
		count(SONDE_MC_ALLOCATOR_MMAPS);
		return 0;
	}
	/* Errors come back as -4095..-1. */
	if ((unsigned long)ret >= (unsigned long)-4095)
		return 0;
	switch (nr) {
	case SONDE_NR_MMAP: /* mmap(addr, len, prot, flags (r10), ...) */
		if (regs->r10 & SONDE_MAP_ANONYMOUS)
			record(regs, ret, page_round(regs->si), SONDE_AK__COUNT, SONDE_ALLOC_MMAP);
		break;
	case SONDE_NR_MUNMAP:
		unmap(regs->di, regs->si);
		break;
	case SONDE_NR_MREMAP: /* mremap(old, old_len, new_len, ...) */
		/* Like realloc: the old mapping goes, the new one is made here. */
		key.addr = regs->di;
		key.tgid = bpf_get_current_pid_tgid() >> 32;
		if (!release(&key, NULL)) {
			count(SONDE_MC_MUNMAP_UNTRACKED);
			break;
		}
		count(SONDE_MC_MREMAPS);
		record(regs, ret, page_round(regs->dx), SONDE_AK__COUNT, SONDE_ALLOC_MMAP);
		break;
	}
	return 0;
}

/*
 * The syscall tracepoints (syscalls:sys_exit_<name>): the kernel runs a
 * program only for its own syscall. They hang off the raw sys_exit
 * tracepoint, which fires for every syscall of the machine and every
 * uretprobe hit too (on x86 the return trampoline enters the kernel through
 * the uretprobe syscall), but the kernel tells them apart by a bit test
 * (perf_syscall_exit()), where a program on the raw tracepoint cost ~25 ns
 * per malloc() to find it was not wanted. The user registers saved at the
 * syscall's entry still hold its arguments.
 */
static __always_inline int syscall_exit(long nr, long ret)
{
	const struct pt_regs *regs = (void *)bpf_task_pt_regs(bpf_get_current_task_btf());

	return syscall_done(nr, regs, ret);
}

SEC("tracepoint/syscalls/sys_exit_mmap")
int mem_exit_mmap(struct trace_event_raw_sys_exit *ctx)
{
	return syscall_exit(SONDE_NR_MMAP, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_munmap")
int mem_exit_munmap(struct trace_event_raw_sys_exit *ctx)
{
	return syscall_exit(SONDE_NR_MUNMAP, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_mremap")
int mem_exit_mremap(struct trace_event_raw_sys_exit *ctx)
{
	return syscall_exit(SONDE_NR_MREMAP, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_brk")
int mem_exit_brk(struct trace_event_raw_sys_exit *ctx)
{
	return syscall_exit(SONDE_NR_BRK, ctx->ret);
}

/* Kernels without syscall tracepoints (CONFIG_FTRACE_SYSCALLS): the raw one,
 * the number checked first. */
SEC("tp_btf/sys_exit")
int BPF_PROG(mem_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = regs->orig_ax;

	if (!is_mem_syscall(nr))
		return 0;
	return syscall_done(nr, regs, ret);
}

/* kmem:rss_stat: a process's RSS counter changed. The counters are absolute,
 * so an update made from another task (reclaim) is caught up by the next. */
SEC("tp_btf/rss_stat")
int BPF_PROG(mem_rss_stat, struct mm_struct *mm, int member)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct sonde_mem_proc *p;
	__s64 pages = 0;
	__u64 rss;

	if (member < 0 || member >= 4 || task->mm != mm)
		return 0;
	p = proc_of_current();
	if (!p)
		return 0;
	bpf_probe_read_kernel(&pages, sizeof(pages), &mm->rss_stat[member].count);
	p->rss_pages[member & 3] = pages;
	/* MM_FILEPAGES + MM_ANONPAGES + MM_SHMEMPAGES, as /proc/PID/statm counts it. */
	rss = p->rss_pages[0] + p->rss_pages[1] + p->rss_pages[3];
	if ((__s64)rss > 0 && rss > p->rss_peak_pages)
		p->rss_peak_pages = rss;
	return 0;
}
