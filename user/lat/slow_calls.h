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

#endif
