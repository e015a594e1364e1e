// SPDX-License-Identifier: GPL-2.0
#include <jansson.h>
#include <stdlib.h>
#include <time.h>
#include "mem/mem_events.h"
#include "mem/mem_profile.h"
#include "core/safe_text.h"
#include "core/util.h"

struct mem_events {
	mem_stack_frames_fn frames;
	void *frames_ctx;
	bool json;
	FILE *out;
	__s64 realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	size_t printed;
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
	struct timespec rt;

	if (!ev)
		return NULL;
	ev->frames = frames;
	ev->frames_ctx = frames_ctx;
	ev->json = json;
	ev->out = out;
	clock_gettime(CLOCK_REALTIME, &rt);
	ev->realtime_offset_ns = (__s64)rt.tv_sec * 1000000000LL + rt.tv_nsec - (__s64)now_ns();
	return ev;
}

void mem_events__free(struct mem_events *ev)
{
	free(ev);
}

size_t mem_events__printed(const struct mem_events *ev)
{
	return ev ? ev->printed : 0;
}

static void print_json(struct mem_events *ev, const struct sonde_mem_rec *r, __u64 wall_ns,
		       const char *const *frames, size_t nr)
{
	json_t *o, *stack = json_array();
	size_t i;

	for (i = 0; stack && i < nr; i++)
		json_array_append_new(stack, json_string(frames[i]));
	o = json_pack("{s:s, s:s, s:I, s:i, s:i, s:s, s:I, s:I, s:o}", "type", "alloc", "reason",
		      r->type == SONDE_MREC_BIG ? "big" : "sample", "time_ns", (json_int_t)wall_ns,
		      "pid", (int)r->pid, "tid", (int)r->tid, "kind", kind_names[r->kind],
		      "size_bytes", (json_int_t)r->size, "addr", (json_int_t)r->addr, "stack",
		      stack ? stack : json_array());
	if (!o)
		return;
	json_dumpf(o, ev->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', ev->out);
	json_decref(o);
}

static void print_line(struct mem_events *ev, const struct sonde_mem_rec *r, __u64 wall_ns,
		       const char *const *frames, size_t nr)
{
	time_t secs = (time_t)(wall_ns / 1000000000ULL);
	char when[32], size[32];
	struct tm tm;
	size_t i;

	localtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(ev->out, "%s %s.%06llu %s %s addr=0x%llx pid=%u tid=%u stack=",
		r->type == SONDE_MREC_BIG ? "big" : "sample", when,
		(unsigned long long)(wall_ns % 1000000000ULL / 1000), kind_names[r->kind],
		mem_fmt_bytes(size, sizeof(size), (double)r->size), (unsigned long long)r->addr,
		r->pid, r->tid);
	for (i = 0; i < nr; i++) {
		if (i)
			fputc(';', ev->out);
		safe_fputs(frames[i], ev->out); /* symbols and paths of the process: escaped */
	}
	fputs(nr ? "\n" : "-\n", ev->out);
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
	if (ev->json)
		print_json(ev, r, (__u64)((__s64)r->time_ns + ev->realtime_offset_ns), frames, nr);
	else
		print_line(ev, r, (__u64)((__s64)r->time_ns + ev->realtime_offset_ns), frames, nr);
	ev->printed++;
	return 0;
}
