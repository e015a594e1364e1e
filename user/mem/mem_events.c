// SPDX-License-Identifier: GPL-2.0
#include <jansson.h>
#include <stdlib.h>
#include "core/event_out.h"
#include "mem/mem_events.h"
#include "mem/mem_profile.h"

struct mem_events {
	mem_stack_frames_fn frames;
	void *frames_ctx;
	struct event_out ev;
};

static const char *const kind_names[SONDE_AK__COUNT + 1] = {
    [SONDE_AK_NONE] = "?",
    [SONDE_AK_MALLOC] = "malloc",
    [SONDE_AK_CALLOC] = "calloc",
    [SONDE_AK_REALLOC] = "realloc",
    [SONDE_AK_REALLOCARRAY] = "reallocarray",
    [SONDE_AK_POSIX_MEMALIGN] = "posix_memalign",
    [SONDE_AK_MEMALIGN] = "memalign",
    [SONDE_AK_VALLOC] = "valloc",
    [SONDE_AK_PVALLOC] = "pvalloc",
    [SONDE_AK__COUNT] = "mmap",
};

struct mem_events *mem_events__new(mem_stack_frames_fn frames, void *frames_ctx, bool json,
				   FILE *out)
{
	struct mem_events *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->frames = frames;
	ev->frames_ctx = frames_ctx;
	event_out_init(&ev->ev, json, out);
	return ev;
}

void mem_events__free(struct mem_events *ev)
{
	free(ev);
}

size_t mem_events__printed(const struct mem_events *ev)
{
	return ev ? ev->ev.count : 0;
}

/* The frames are symbolized already (mem_tracer__stack_frames()). */
static const char *named_frame(void *ctx, size_t i, char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return ((const char *const *)ctx)[i];
}

static void print_json(struct mem_events *ev, const struct sonde_mem_rec *r, __u64 wall_ns,
		       const char *const *frames, size_t nr)
{
	json_t *o;

	o = json_pack("{s:s, s:s, s:I, s:i, s:i, s:s, s:I, s:I, s:o}", "type", "alloc", "reason",
		      r->type == SONDE_MREC_BIG ? "big" : "sample", "time_ns", (json_int_t)wall_ns,
		      "pid", (int)r->pid, "tid", (int)r->tid, "kind", kind_names[r->kind],
		      "size_bytes", (json_int_t)r->size, "addr", (json_int_t)r->addr, "stack",
		      event_stack_json(nr, named_frame, (void *)frames));
	event_out_json(&ev->ev, o);
}

static void print_line(struct mem_events *ev, const struct sonde_mem_rec *r, __u64 wall_ns,
		       const char *const *frames, size_t nr)
{
	char when[32], size[32];

	/* symbols and paths of the process: escaped by event_out_stack() */
	fprintf(ev->ev.out, "%s %s %s %s addr=0x%llx pid=%u tid=%u stack=",
		r->type == SONDE_MREC_BIG ? "big" : "sample",
		event_fmt_time(when, sizeof(when), wall_ns), kind_names[r->kind],
		mem_fmt_bytes(size, sizeof(size), (double)r->size), (unsigned long long)r->addr,
		r->pid, r->tid);
	event_out_stack(&ev->ev, nr, named_frame, (void *)frames);
}

int mem_events__handle(void *ctx, void *data, size_t len)
{
	struct mem_events *ev = ctx;
	const struct sonde_mem_rec *r = data;
	const char *const *frames;
	size_t nr;

	if (len < sizeof(*r) || r->kind > SONDE_AK__COUNT)
		return 0;
	frames = ev->frames(ev->frames_ctx, r->stack_id, r->pid, &nr);
	if (r->type != SONDE_MREC_BIG && r->type != SONDE_MREC_SAMPLE)
		return 0;
	if (ev->ev.json)
		print_json(ev, r, event_out_wall_ns(&ev->ev, r->time_ns), frames, nr);
	else
		print_line(ev, r, event_out_wall_ns(&ev->ev, r->time_ns), frames, nr);
	ev->ev.count++;
	return 0;
}
