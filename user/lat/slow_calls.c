// SPDX-License-Identifier: GPL-2.0
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "sonde/lat.h"
#include "core/event_out.h"
#include "core/safe_text.h"
#include "lat/slow_calls.h"
#include "probe/symbolize.h"
#include "core/util.h"

struct slow_printer {
	const struct probe_set *set;
	struct symbolizer *syms;
	char **shown; /* the sites' names as the lat table shows them */
	struct event_out ev;
};

struct slow_printer *slow_printer__new(const struct probe_set *set, bool json, FILE *out)
{
	struct slow_printer *sp = calloc(1, sizeof(*sp));

	if (!sp)
		return NULL;
	sp->syms = symbolizer__new();
	if (!sp->syms || probe_set_short_names(set, &sp->shown)) {
		symbolizer__free(sp->syms);
		free(sp);
		return NULL;
	}
	sp->set = set;
	event_out_init(&sp->ev, json, out);
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
	return sp ? sp->ev.count : 0;
}

/* A slow call's frames, symbolized as they are printed. */
struct slow_frames {
	struct slow_printer *sp;
	const struct sonde_rec_slow *r;
};

static const char *slow_frame(void *ctx, size_t i, char *buf, size_t len)
{
	const struct slow_frames *f = ctx;

	return symbolizer__name(f->sp->syms, f->r->pid, f->r->frames[i], buf, len);
}

static void print_json(struct slow_printer *sp, const struct sonde_rec_slow *r,
		       const struct probe_site *site, __u64 wall_clock_ns, size_t nr_frames)
{
	struct slow_frames frames = {sp, r};
	json_t *o;

	o = json_pack("{s:s, s:I, s:i, s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:o}", "type", "slow",
		      "time_ns", (json_int_t)wall_clock_ns, "pid", (int)r->pid, "tid", (int)r->tid,
		      "object", object_shown_path(site->object), "name", site->name, "wall_ns",
		      (json_int_t)r->wall_ns, "oncpu_ns", (json_int_t)r->oncpu_ns, "runq_ns",
		      (json_int_t)r->runq_ns, "blocked_ns", (json_int_t)r->blocked_ns, "stack",
		      event_stack_json(nr_frames, slow_frame, &frames));
	if (o && site->mangled)
		json_object_set_new(o, "mangled", json_string(site->mangled));
	event_out_json(&sp->ev, o);
}

static void print_line(struct slow_printer *sp, const struct sonde_rec_slow *r,
		       const struct probe_site *site, __u64 wall_clock_ns, size_t nr_frames)
{
	char when[32], wall[32], on[32], rq[32], bl[32];
	struct slow_frames frames = {sp, r};
	FILE *out = sp->ev.out;

	/* The function and the frames are names from the binaries: escaped. */
	fprintf(out, "slow %s ", event_fmt_time(when, sizeof(when), wall_clock_ns));
	safe_fputs(sp->shown[site - sp->set->sites], out);
	fprintf(out, " pid=%u tid=%u wall=%s oncpu=%s runq=%s blocked=%s stack=", r->pid, r->tid,
		fmt_ns(wall, sizeof(wall), (double)r->wall_ns),
		fmt_ns(on, sizeof(on), (double)r->oncpu_ns),
		fmt_ns(rq, sizeof(rq), (double)r->runq_ns),
		fmt_ns(bl, sizeof(bl), (double)r->blocked_ns));
	event_out_stack(&sp->ev, nr_frames, slow_frame, &frames);
}

int slow_printer__handle(void *ctx, void *data, size_t len)
{
	struct slow_printer *sp = ctx;
	const struct sonde_rec_slow *r = data;
	__u64 wall_clock_ns;
	size_t nr_frames;

	if (len < sizeof(*r) || r->type != SONDE_REC_SLOW_CALL || r->id >= sp->set->nr)
		return 0;
	wall_clock_ns = event_out_wall_ns(&sp->ev, r->end_ns);
	nr_frames = r->nr_frames < SONDE_STACK_DEPTH ? r->nr_frames : SONDE_STACK_DEPTH;
	if (sp->ev.json)
		print_json(sp, r, &sp->set->sites[r->id], wall_clock_ns, nr_frames);
	else
		print_line(sp, r, &sp->set->sites[r->id], wall_clock_ns, nr_frames);
	sp->ev.count++;
	return 0;
}
