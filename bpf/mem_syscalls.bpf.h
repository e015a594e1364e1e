/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of mem.bpf.c: its tracepoint programs. mmap/munmap/mremap/brk as they
 * return (the syscall tracepoints, or the raw sys_exit one), and RSS from
 * kmem:rss_stat. Included after the maps, the process filter and the thread
 * state they use.
 */
#ifndef SONDE_MEM_SYSCALLS_BPF_H
#define SONDE_MEM_SYSCALLS_BPF_H

#define SONDE_MAP_ANONYMOUS  0x20
#define SONDE_NR_MMAP	     9
#define SONDE_NR_MUNMAP	     11
#define SONDE_NR_BRK	     12
#define SONDE_NR_MREMAP	     25
#define SONDE_MUNMAP_REGIONS 8 /* tracked mappings one munmap() may cover */

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

#endif /* SONDE_MEM_SYSCALLS_BPF_H */
