/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde mem's stacks by id, named once each: the return addresses the BPF
 * side stored (bpf/user_stack.bpf.h), cut before the first that is not code
 * of the process, symbolized through the maps of the process that made it,
 * or of one laid out the same when it is gone.
 */
#ifndef SONDE_MEM_STACKS_H
#define SONDE_MEM_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct mem_stacks;

/* stacks_fd: id -> depth return addresses; procs_fd: the traced processes. */
struct mem_stacks *mem_stacks__new(int stacks_fd, int procs_fd, __u32 depth);
void mem_stacks__free(struct mem_stacks *ms);

/* The frames of stack id ("function+0xoff", innermost first), first made by
 * process pid; owned by ms. NULL for no stack. *cut: the stack ended before a
 * frame that was not code (cut may be NULL). */
const char *const *mem_stacks__frames(struct mem_stacks *ms, __u32 id, __u32 pid, size_t *nr,
				      bool *cut);

#endif
