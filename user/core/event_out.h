/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records printed as they arrive from a ring buffer (lat's --slower-than,
 * mem's --big and --sample): one line each, as text or as a JSON object, at
 * the wall-clock time the kernel stamped, with the record's stack last.
 * What is particular to a record stays with its printer.
 */
#ifndef SONDE_EVENT_OUT_H
#define SONDE_EVENT_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>
#include <linux/types.h>

struct event_out {
	FILE *out;
	bool json;		  /* JSON lines, not text */
	__s64 realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC, taken at init */
	size_t count;		  /* records printed */
};

void event_out_init(struct event_out *eo, bool json, FILE *out);

/* A record's time stamp (bpf_ktime_get_ns(): CLOCK_MONOTONIC) as wall-clock ns. */
static inline __u64 event_out_wall_ns(const struct event_out *eo, __u64 mono_ns)
{
	return (__u64)((__s64)mono_ns + eo->realtime_offset_ns);
}

/* "HH:MM:SS.uuuuuu" in local time, into buf (32 bytes hold it). */
const char *event_fmt_time(char *buf, size_t len, __u64 wall_ns);

/* Frame i of a record's stack as text, innermost first; buf is room the answer may use. */
typedef const char *(*event_frame_fn)(void *ctx, size_t i, char *buf, size_t len);

/* A text line's stack field and end: the frames joined by ';' and escaped
 * (names from the target's binaries), "-" for none, then '\n'. */
void event_out_stack(struct event_out *eo, size_t nr, event_frame_fn frame, void *ctx);
/* The same frames as a JSON array of strings (empty when out of memory). */
json_t *event_stack_json(size_t nr, event_frame_fn frame, void *ctx);
/* A JSON record as one line; o is released (NULL: nothing is printed). */
void event_out_json(struct event_out *eo, json_t *o);

#endif
