// SPDX-License-Identifier: GPL-2.0
#include <time.h>
#include "core/event_out.h"
#include "core/safe_text.h"
#include "core/util.h"

/* Long enough for a symbolized frame: "function+0xoff" or "(object+0xoff)". */
#define EVENT_FRAME_BYTES 512

void event_out_init(struct event_out *eo, bool json, FILE *out)
{
	struct timespec rt;

	eo->out = out;
	eo->json = json;
	eo->count = 0;
	clock_gettime(CLOCK_REALTIME, &rt);
	eo->realtime_offset_ns = (__s64)rt.tv_sec * 1000000000LL + rt.tv_nsec - (__s64)now_ns();
}

const char *event_fmt_time(char *buf, size_t len, __u64 wall_ns)
{
	time_t secs = (time_t)(wall_ns / 1000000000ULL);
	char hms[16];
	struct tm tm;

	localtime_r(&secs, &tm);
	strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06llu", hms, (unsigned long long)(wall_ns % 1000000000ULL / 1000));
	return buf;
}

void event_out_stack(struct event_out *eo, size_t nr, event_frame_fn frame, void *ctx)
{
	char buf[EVENT_FRAME_BYTES];
	size_t i;

	for (i = 0; i < nr; i++) {
		if (i)
			fputc(';', eo->out);
		safe_fputs(frame(ctx, i, buf, sizeof(buf)), eo->out);
	}
	fputs(nr ? "\n" : "-\n", eo->out);
}

json_t *event_stack_json(size_t nr, event_frame_fn frame, void *ctx)
{
	json_t *stack = json_array();
	char buf[EVENT_FRAME_BYTES];
	size_t i;

	for (i = 0; stack && i < nr; i++)
		json_array_append_new(stack, json_string(frame(ctx, i, buf, sizeof(buf))));
	return stack ? stack : json_array();
}

void event_out_json(struct event_out *eo, json_t *o)
{
	if (!o)
		return;
	json_dumpf(o, eo->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', eo->out);
	json_decref(o);
}
