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
 * counters change (mem_syscalls.bpf.h).
 */
#include "vmlinux.h"
#include "sonde/mem.h"
#define SONDE_DROP_KINDS SONDE_MD__COUNT
#include "common.bpf.h"
#include "percpu_add.bpf.h"
#include "user_stack.bpf.h"

#define SONDE_PAGE 4096ULL

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

/* The live blocks and their stacks' totals: record(), release(), restore(). */
#include "mem_live.bpf.h"

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

/* mmap/munmap/mremap/brk where they return, and RSS (kmem:rss_stat). */
#include "mem_syscalls.bpf.h"
