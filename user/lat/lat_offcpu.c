// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <search.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "sonde/lat.h"
#include "lat/lat_offcpu.h"
#include "probe/probes.h"
#include "probe/symbolize.h"
#include "core/util.h"

/* One kernel stack id of one process, named once. */
struct named_stack {
	__u32 tgid;
	__s32 stack_id;
	char **frames; /* innermost first, as symbolize.h names them */
	size_t nr;
};

struct lat_offcpu {
	int map_fd, stacks_fd;
	const struct probe_set *set;
	struct symbolizer *syms;
	void *tree;	 /* of struct named_stack, by (tgid, stack_id) */
	__u64 polled_ns; /* the last look at the whole table */
};

/* The kernel announces each new stack (lat_offcpu__note()); a look at the whole table,
 * a syscall per entry, only catches what a full ring buffer lost. */
#define LAT_OFFCPU_POLL_NS 1000000000ULL

static int named_cmp(const void *a, const void *b)
{
	const struct named_stack *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return (x->stack_id > y->stack_id) - (x->stack_id < y->stack_id);
}

static void named_free(void *node)
{
	struct named_stack *n = node;
	size_t i;

	for (i = 0; i < n->nr; i++)
		free(n->frames[i]);
	free(n->frames);
	free(n);
}

struct lat_offcpu *lat_offcpu__new(int map_fd, int stacks_fd, const struct probe_set *set)
{
	struct lat_offcpu *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->map_fd = map_fd;
	o->stacks_fd = stacks_fd;
	o->set = set;
	if (!(o->syms = symbolizer__new())) {
		free(o);
		return NULL;
	}
	return o;
}

void lat_offcpu__free(struct lat_offcpu *o)
{
	if (!o)
		return;
	tdestroy(o->tree, named_free);
	symbolizer__free(o->syms);
	free(o);
}

/* The stack's frames named now; none for a stack not taken or gone. */
static struct named_stack *name_stack(struct lat_offcpu *o, __u32 tgid, __s32 stack_id)
{
	__u64 ips[SONDE_OFFCPU_STACK_DEPTH] = {0};
	struct named_stack *n = calloc(1, sizeof(*n));
	char buf[512];
	size_t nr = 0, i;

	if (!n)
		return NULL;
	n->tgid = tgid;
	n->stack_id = stack_id;
	if (stack_id >= 0 && !bpf_map_lookup_elem(o->stacks_fd, &stack_id, ips))
		while (nr < SONDE_OFFCPU_STACK_DEPTH && ips[nr])
			nr++;
	n->frames = calloc(nr ? nr : 1, sizeof(*n->frames));
	for (i = 0; n->frames && i < nr; i++) {
		n->frames[i] =
		    strdup(symbolizer__name(o->syms, (pid_t)tgid, ips[i], buf, sizeof(buf)));
		if (!n->frames[i])
			break;
		n->nr++;
	}
	if (!n->frames || n->nr < nr) {
		named_free(n);
		return NULL;
	}
	return n;
}

static const struct named_stack *named(struct lat_offcpu *o, __u32 tgid, __s32 stack_id)
{
	struct named_stack key = {.tgid = tgid, .stack_id = stack_id}, *n, **found;

	found = tfind(&key, &o->tree, named_cmp);
	if (found)
		return *found;
	if (!(n = name_stack(o, tgid, stack_id)))
		return NULL;
	if (!tsearch(n, &o->tree, named_cmp)) {
		named_free(n);
		return NULL;
	}
	return n;
}

int lat_offcpu__note(struct lat_offcpu *o, __u32 tgid, __s32 stack_id)
{
	return named(o, tgid, stack_id) ? 0 : -ENOMEM;
}

int lat_offcpu__poll(struct lat_offcpu *o)
{
	struct sonde_offcpu_key key, *prev = NULL;
	__u64 now = now_ns();
	int err;

	if (now - o->polled_ns < LAT_OFFCPU_POLL_NS)
		return 0;
	o->polled_ns = now;

	while (!(err = bpf_map_get_next_key(o->map_fd, prev, &key))) {
		prev = &key;
		if (!named(o, key.tgid, key.stack_id))
			return -ENOMEM;
	}
	return err == -ENOENT ? 0 : err;
}

int lat_offcpu_frame_is(const char *frame, const char *fn)
{
	size_t n = strlen(fn);

	return !strncmp(frame, fn, n) && (!frame[n] || !strncmp(frame + n, "+0x", 3));
}

int lat_offcpu_frames(const char *fn, const char *const *named, size_t nr, char ***out,
		      size_t *out_nr)
{
	const char *no_stack = "[no stack]";
	bool has = false;
	size_t i, k = 0;
	char **v;

	if (!nr) {
		named = &no_stack;
		nr = 1;
	}
	for (i = 0; i < nr && !has; i++)
		has = lat_offcpu_frame_is(named[i], fn);
	if (!(v = calloc(nr + 1, sizeof(*v))))
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		/* Missed: right above the innermost frame. */
		if (i == 1 && !has && !(v[k++] = strdup(fn)))
			goto nomem;
		if (!(v[k++] = strdup(named[i])))
			goto nomem;
	}
	if (nr == 1 && !has && !(v[k++] = strdup(fn)))
		goto nomem;
	*out = v;
	*out_nr = k;
	return 0;
nomem:
	while (k)
		free(v[--k]);
	free(v);
	return -ENOMEM;
}

static int frames_cmp(const struct lat_offcpu_stack *x, const struct lat_offcpu_stack *y)
{
	size_t i;
	int c;

	for (i = 0; i < x->nr && i < y->nr; i++)
		if ((c = strcmp(x->frames[i], y->frames[i])))
			return c;
	return (x->nr > y->nr) - (x->nr < y->nr);
}

static int function_cmp(const struct lat_offcpu_stack *x, const struct lat_offcpu_stack *y)
{
	int c = strcmp(x->object, y->object);

	return c ? c : strcmp(x->name, y->name);
}

static int by_frames(const void *a, const void *b)
{
	const struct lat_offcpu_stack *x = a, *y = b;
	int c = function_cmp(x, y);

	return c ? c : frames_cmp(x, y);
}

static int by_weight(const void *a, const void *b)
{
	const struct lat_offcpu_stack *x = a, *y = b;
	__u64 wx = x->blocked_ns + x->runq_ns, wy = y->blocked_ns + y->runq_ns;
	int c = function_cmp(x, y);

	if (c)
		return c;
	if (wx != wy)
		return wx > wy ? -1 : 1;
	return frames_cmp(x, y);
}

void lat_offcpu_merge(struct lat_offcpu_stack *v, size_t *nr)
{
	size_t i, j, n = 0;

	qsort(v, *nr, sizeof(*v), by_frames);
	for (i = 0; i < *nr; i++) {
		if (n && !by_frames(&v[n - 1], &v[i])) {
			v[n - 1].blocked_ns += v[i].blocked_ns;
			v[n - 1].runq_ns += v[i].runq_ns;
			v[n - 1].spans += v[i].spans;
			for (j = 0; j < v[i].nr; j++)
				free(v[i].frames[j]);
			free(v[i].frames);
			continue;
		}
		v[n++] = v[i];
	}
	*nr = n;
	qsort(v, n, sizeof(*v), by_weight);
}

/* Entry k of the table as a stack of its function (v[*nr], which has room). */
static int add_entry(struct lat_offcpu *o, const struct sonde_offcpu_key *k,
		     const struct sonde_offcpu_val *val, struct lat_offcpu_stack *s)
{
	const struct probe_site *site = &o->set->sites[k->id];
	const struct named_stack *n = named(o, k->tgid, k->stack_id);
	int err;

	if (!n)
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	s->object = object_shown_path(site->object);
	s->name = site->name;
	s->blocked_ns = val->blocked_ns;
	s->runq_ns = val->runq_ns;
	s->spans = val->spans;
	err = lat_offcpu_frames(site->name, (const char *const *)n->frames, n->nr, &s->frames,
				&s->nr);
	return err;
}

int lat_offcpu__read(struct lat_offcpu *o, struct lat_profile *p)
{
	struct sonde_offcpu_key key, *prev = NULL;
	struct lat_offcpu_stack *v = NULL;
	struct sonde_offcpu_val val;
	size_t nr = 0, cap = 0;
	int err;

	while (!(err = bpf_map_get_next_key(o->map_fd, prev, &key))) {
		prev = &key;
		/* Not of a traced function (no such entries are made), gone meanwhile, or
		 * inserted at a switch-out whose span has not ended yet. */
		if (key.id >= o->set->nr || bpf_map_lookup_elem(o->map_fd, &key, &val) ||
		    !val.spans)
			continue;
		if (nr == cap) {
			size_t c = cap ? 2 * cap : 64;
			struct lat_offcpu_stack *nv = realloc(v, c * sizeof(*nv));

			if (!nv) {
				err = -ENOMEM;
				break;
			}
			v = nv;
			cap = c;
		}
		if ((err = add_entry(o, &key, &val, &v[nr])))
			break;
		nr++;
	}
	if (err != -ENOENT) {
		lat_offcpu_stacks_free(v, nr);
		return err;
	}
	lat_offcpu_merge(v, &nr);
	lat_profile_set_offcpu(p, v, nr);
	return 0;
}
