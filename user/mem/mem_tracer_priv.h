/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tracer of sonde mem as its two halves see it: mem_tracer.c finds the
 * allocator, loads and attaches bpf/mem.bpf.c; mem_tracer_read.c reads its
 * maps into the model.
 */
#ifndef SONDE_MEM_TRACER_PRIV_H
#define SONDE_MEM_TRACER_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "core/bpf_obj.h"
#include "mem/allocator.h"
#include "mem/mem_reap.h"
#include "mem/mem_tracer.h"
#include "probe/probes.h"
#include "sonde/mem.h"

struct mem_tracer {
	struct mem_bpf *skel;
	bool multi;
	bool syscall_tps;	/* syscalls:sys_exit_* tracepoints, not the raw sys_exit */
	struct allocator alloc; /* whose malloc is probed; alloc.found false: none */
	struct probe_set allocs, frees;
	struct attachment *att;
	struct bpf_links links;	    /* tracepoints first, then the free() probes */
	size_t nr_tracepoint_links; /* of links: not probes of the target */
	struct ring_buffer *rb;
	struct mem_stacks *stacks; /* named stacks by id */
	struct mem_events *events;
	__u32 stack_depth;
	struct sonde_stack_stats *stack_stats; /* the BPF array, mmap-ed (-b: writable) */
	size_t nr_stack_stats;
	bool reap; /* -b: the blocks of exited processes are freed (mem_reap.h) */
	struct mem_reaped reaped;
};

#endif
