// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <jansson.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include "sonde/lat.h"
#include "core/event_out.h"
#include "core/safe_text.h"
#include "lat/slow_calls.h"
#include "probe/symbolize.h"
#include "core/util.h"

/* A distinct stack of slow calls: the key (function, process, addresses), its count and names. */
struct slow_stack {
	__u32 id, pid, nr;
	__u64 ips[SONDE_STACK_DEPTH];
	__u64 count;
	char **names;
};

struct slow_printer {
	const struct probe_set *set;
	struct symbolizer *syms;
	char **shown; /* the sites' names as the lat table shows them */
	struct event_out ev;
	/* slow_printer__keep_stacks(): the stacks, in a tsearch() tree and by arrival. */
	bool keep;
	void *tree;
	struct slow_stack **stacks;
	size_t nr_stacks, cap_stacks;
	int keep_err; /* the first failure to keep a stack: reported at the end */
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

static void free_nothing(void *node)
{
	(void)node; /* the stacks are freed from their array */
}

static void stack_free(struct slow_stack *st)
{
	__u32 i;

	for (i = 0; st->names && i < st->nr; i++)
		free(st->names[i]);
	free(st->names);
	free(st);
}

static int stack_cmp(const void *a, const void *b)
{
	const struct slow_stack *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	return memcmp(x->ips, y->ips, x->nr * sizeof(x->ips[0]));
}

void slow_printer__free(struct slow_printer *sp)
{
	size_t i;

	if (!sp)
		return;
	tdestroy(sp->tree, free_nothing);
	for (i = 0; i < sp->nr_stacks; i++)
		stack_free(sp->stacks[i]);
	free(sp->stacks);
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

void slow_printer__keep_stacks(struct slow_printer *sp)
{
	sp->keep = true;
}

/* The stack named now, while its process and maps are there. */
static struct slow_stack *stack_new(struct slow_printer *sp, const struct slow_stack *key)
{
	struct slow_stack *st = malloc(sizeof(*st));
	char buf[512]; /* as the printed frames */
	__u32 i;

	if (!st)
		return NULL;
	*st = *key;
	st->names = calloc(key->nr ? key->nr : 1, sizeof(*st->names));
	for (i = 0; st->names && i < key->nr; i++) {
		st->names[i] =
		    strdup(symbolizer__name(sp->syms, key->pid, key->ips[i], buf, sizeof(buf)));
		if (!st->names[i])
			break;
	}
	if (!st->names || i < key->nr) {
		stack_free(st);
		return NULL;
	}
	return st;
}

static int keep_stack(struct slow_printer *sp, const struct sonde_rec_slow *r, size_t nr_frames)
{
	struct slow_stack key = {.id = r->id, .pid = r->pid, .nr = (__u32)nr_frames}, *st, **found;

	memcpy(key.ips, r->frames, nr_frames * sizeof(key.ips[0]));
	found = tfind(&key, &sp->tree, stack_cmp);
	if (found) {
		(*found)->count++;
		return 0;
	}
	if (sp->nr_stacks == sp->cap_stacks) {
		size_t cap = sp->cap_stacks ? 2 * sp->cap_stacks : 64;
		struct slow_stack **v = realloc(sp->stacks, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		sp->stacks = v;
		sp->cap_stacks = cap;
	}
	st = stack_new(sp, &key);
	if (!st)
		return -ENOMEM;
	if (!tsearch(st, &sp->tree, stack_cmp)) {
		stack_free(st);
		return -ENOMEM;
	}
	st->count = 1;
	sp->stacks[sp->nr_stacks++] = st;
	return 0;
}

int slow_printer__each_stack(const struct slow_printer *sp, slow_stack_fn fn, void *ctx)
{
	size_t i;
	int err;

	if (sp->keep_err)
		return sp->keep_err;
	for (i = 0; i < sp->nr_stacks; i++) {
		const struct slow_stack *st = sp->stacks[i];

		err = fn(ctx, sp->shown[st->id], (const char *const *)st->names, st->nr, st->count);
		if (err)
			return err;
	}
	return 0;
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
	if (sp->keep && !sp->keep_err)
		sp->keep_err = keep_stack(sp, r, nr_frames);
	return 0;
}
