/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ring-buffer records of sonde mem: a stack seen for the first time is
 * symbolized at once (its process may be gone by the report); allocations of
 * --big SIZE or more and every --sample N-th one are printed as they come.
 */
#ifndef SONDE_MEM_EVENTS_H
#define SONDE_MEM_EVENTS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

struct mem_events;

/*
 * The frames of a stack id, innermost first, owned by whoever answers; NULL
 * for no stack. The tracer answers (mem_tracer__stack_frames): a callback, so
 * that the printer does not depend on the tracer that owns it.
 */
typedef const char *const *(*mem_stack_frames_fn)(void *ctx, __u32 id, __u32 pid, size_t *nr);

struct mem_events *mem_events__new(mem_stack_frames_fn frames, void *frames_ctx, bool json,
				   FILE *out);
void mem_events__free(struct mem_events *ev);
/* ring_buffer__new() callback. */
int mem_events__handle(void *ctx, void *data, size_t len);
/* Allocation records printed so far. */
size_t mem_events__printed(const struct mem_events *ev);

#endif
