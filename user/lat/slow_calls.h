/* SPDX-License-Identifier: GPL-2.0 */
/* --slower-than: each slow call's ring-buffer record, printed as it arrives. */
#ifndef SONDE_SLOW_CALLS_H
#define SONDE_SLOW_CALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "probe/probes.h"

struct slow_printer;

struct slow_printer *slow_printer__new(const struct probe_set *set, bool json, FILE *out);
void slow_printer__free(struct slow_printer *sp);

/* ring_buffer_sample_fn: ctx is the slow_printer. */
int slow_printer__handle(void *ctx, void *data, size_t len);

/* Records printed so far. */
size_t slow_printer__count(const struct slow_printer *sp);

/* Count the records by stack too (for --folded): each distinct stack of a
 * function is named once, as its first record arrives (the process and its
 * maps are there then). */
void slow_printer__keep_stacks(struct slow_printer *sp);

/*
 * Each distinct stack kept: the function's name as the table shows it, the
 * frames as printed ("serve_one+0x1a"), innermost (the caller) first, and how
 * many records had it; the counts add up to slow_printer__count(). Stops at
 * the first nonzero return of fn, and returns it; -ENOMEM when a stack could
 * not be kept.
 */
typedef int (*slow_stack_fn)(void *ctx, const char *function, const char *const *frames, size_t nr,
			     __u64 count);
int slow_printer__each_stack(const struct slow_printer *sp, slow_stack_fn fn, void *ctx);

#endif
