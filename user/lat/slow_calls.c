// SPDX-License-Identifier: GPL-2.0
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sonde/lat.h"
#include "core/safe_text.h"
#include "lat/slow_calls.h"
#include "probe/symbolize.h"
#include "core/util.h"

struct slow_printer {
	const struct probe_set *set;
	struct symbolizer *syms;
	char **shown; /* the sites' names as the lat table shows them */
	bool json;
	FILE *out;
	__s64 realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	size_t count;
};

struct slow_printer *slow_printer__new(const struct probe_set *set, bool json, FILE *out)
{
	struct slow_printer *sp = calloc(1, sizeof(*sp));
	struct timespec rt;

	if (!sp)
		return NULL;
	sp->syms = symbolizer__new();
	if (!sp->syms || probe_set_short_names(set, &sp->shown)) {
		symbolizer__free(sp->syms);
		free(sp);
		return NULL;
	}
	sp->set = set;
	sp->json = json;
	sp->out = out;
	clock_gettime(CLOCK_REALTIME, &rt);
	sp->realtime_offset_ns = (__s64)rt.tv_sec * 1000000000LL + rt.tv_nsec - (__s64)now_ns();
	return sp;
}

void slow_printer__free(struct slow_printer *sp)
{
	if (!sp)
		return;
	symbolizer__free(sp->syms);
	probe_set_short_names_free(sp->set, sp->shown);
	free(sp);
}

size_t slow_printer__count(const struct slow_printer *sp)
{
	return sp ? sp->count : 0;
}

static void print_json(struct slow_printer *sp, const struct sonde_rec_slow *r,
		       const struct probe_site *site, __u64 wall_clock_ns)
{
	json_t *o, *stack = json_array();
	char frame[512];
	__u32 i;

	for (i = 0; stack && i < r->nr_frames && i < SONDE_STACK_DEPTH; i++)
		json_array_append_new(stack,
				      json_string(symbolizer__name(sp->syms, r->pid, r->frames[i],
								   frame, sizeof(frame))));
	o = json_pack("{s:s, s:I, s:i, s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:o}", "type", "slow",
		      "time_ns", (json_int_t)wall_clock_ns, "pid", (int)r->pid, "tid", (int)r->tid,
		      "object", object_shown_path(site->object), "name", site->name, "wall_ns",
		      (json_int_t)r->wall_ns, "oncpu_ns", (json_int_t)r->oncpu_ns, "runq_ns",
		      (json_int_t)r->runq_ns, "blocked_ns", (json_int_t)r->blocked_ns, "stack",
		      stack ? stack : json_array());
	if (!o)
		return;
	if (site->mangled)
		json_object_set_new(o, "mangled", json_string(site->mangled));
	json_dumpf(o, sp->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', sp->out);
	json_decref(o);
}

static void print_line(struct slow_printer *sp, const struct sonde_rec_slow *r,
		       const struct probe_site *site, __u64 wall_clock_ns)
{
	char when[32], wall[32], on[32], rq[32], bl[32], frame[512];
	time_t secs = (time_t)(wall_clock_ns / 1000000000ULL);
	struct tm tm;
	__u32 i;

	localtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	/* The function and the frames are names from the binaries: escaped. */
	fprintf(sp->out, "slow %s.%06llu ", when,
		(unsigned long long)(wall_clock_ns % 1000000000ULL / 1000));
	safe_fputs(sp->shown[site - sp->set->sites], sp->out);
	fprintf(sp->out, " pid=%u tid=%u wall=%s oncpu=%s runq=%s blocked=%s stack=", r->pid,
		r->tid, fmt_ns(wall, sizeof(wall), (double)r->wall_ns),
		fmt_ns(on, sizeof(on), (double)r->oncpu_ns),
		fmt_ns(rq, sizeof(rq), (double)r->runq_ns),
		fmt_ns(bl, sizeof(bl), (double)r->blocked_ns));
	for (i = 0; i < r->nr_frames && i < SONDE_STACK_DEPTH; i++) {
		if (i)
			fputc(';', sp->out);
		safe_fputs(symbolizer__name(sp->syms, r->pid, r->frames[i], frame, sizeof(frame)),
			   sp->out);
	}
	if (!r->nr_frames)
		fputs("-", sp->out);
	fputc('\n', sp->out);
}

int slow_printer__handle(void *ctx, void *data, size_t len)
{
	struct slow_printer *sp = ctx;
	const struct sonde_rec_slow *r = data;
	__u64 wall_clock_ns;

	if (len < sizeof(*r) || r->type != SONDE_REC_SLOW_CALL || r->id >= sp->set->nr)
		return 0;
	wall_clock_ns = (__u64)((__s64)r->end_ns + sp->realtime_offset_ns);
	if (sp->json)
		print_json(sp, r, &sp->set->sites[r->id], wall_clock_ns);
	else
		print_line(sp, r, &sp->set->sites[r->id], wall_clock_ns);
	sp->count++;
	return 0;
}
