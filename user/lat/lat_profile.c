// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "core/hist.h"
#include "lat/lat_profile.h"
#include "core/util.h"

struct lat_profile *lat_profile_new(size_t nr_funcs)
{
	struct lat_profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->funcs = calloc(nr_funcs ? nr_funcs : 1, sizeof(*p->funcs));
	if (!p->funcs) {
		free(p);
		return NULL;
	}
	p->nr_funcs = nr_funcs;
	return p;
}

const char *lat_profile_own(struct lat_profile *p, const char *str)
{
	char **v = realloc(p->owned, (p->nr_owned + 1) * sizeof(*v));
	char *copy;

	if (!v)
		return NULL;
	p->owned = v;
	copy = strdup(str);
	if (copy)
		v[p->nr_owned++] = copy;
	return copy;
}

void lat_slice_free(struct lat_slice *sl)
{
	free(sl->bucket);
	free(sl->count);
}

void lat_func_slices_clear(struct lat_func_slices *fs)
{
	size_t k;

	for (k = 0; k < fs->nr; k++)
		lat_slice_free(&fs->s[k]);
	free(fs->s);
	fs->s = NULL;
	fs->nr = 0;
}

void lat_func_slices_free(struct lat_func_slices *fs)
{
	if (!fs)
		return;
	lat_func_slices_clear(fs);
	free(fs);
}

void lat_slice_hist(const struct lat_slice *sl, __u64 *hist)
{
	__u32 k;

	memset(hist, 0, SONDE_HIST_BUCKETS * sizeof(*hist));
	for (k = 0; k < sl->nr; k++)
		hist[sl->bucket[k]] = sl->count[k];
}

void lat_profile_free(struct lat_profile *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nr_owned; i++)
		free(p->owned[i]);
	free(p->owned);
	for (i = 0; i < p->nr_funcs; i++)
		lat_func_slices_free(p->funcs[i].slices);
	free(p->funcs);
	lat_tree_free(p->tree);
	lat_profile_set_offcpu(p, NULL, 0);
	free(p);
}

void lat_offcpu_stacks_free(struct lat_offcpu_stack *v, size_t nr)
{
	size_t i, j;

	for (i = 0; v && i < nr; i++) {
		for (j = 0; j < v[i].nr; j++)
			free(v[i].frames[j]);
		free(v[i].frames);
	}
	free(v);
}

void lat_profile_set_offcpu(struct lat_profile *p, struct lat_offcpu_stack *v, size_t nr)
{
	if (p->offcpu_owned)
		lat_offcpu_stacks_free(p->offcpu_stacks, p->nr_offcpu_stacks);
	p->offcpu_stacks = v;
	p->nr_offcpu_stacks = nr;
	p->offcpu_owned = v != NULL;
}

void lat_profile_delta(struct lat_profile *out, const struct lat_profile *cur,
		       const struct lat_profile *prev)
{
	size_t i;
	int b, first, last;

	out->final = false;
	out->sched = cur->sched;
	/* The off-CPU stacks are the final report's: an interval has none. */
	out->offcpu = cur->offcpu;
	out->corrected = cur->corrected;
	memcpy(out->calib_window_ns, cur->calib_window_ns, sizeof(out->calib_window_ns));
	memcpy(out->calib_call_ns, cur->calib_call_ns, sizeof(out->calib_call_ns));
	out->main_object = cur->main_object;
	out->duration_ns = sub_floor0(cur->duration_ns, prev->duration_ns);
	out->threads_tracked = sub_floor0(cur->threads_tracked, prev->threads_tracked);
	out->threads_freed = sub_floor0(cur->threads_freed, prev->threads_freed);
	out->sched_resyncs = sub_floor0(cur->sched_resyncs, prev->sched_resyncs);
	for (i = 0; i < SONDE_DROP__COUNT; i++)
		out->drops[i] = sub_floor0(cur->drops[i], prev->drops[i]);
	for (i = 0; i < cur->nr_funcs && i < out->nr_funcs; i++) {
		const struct func_result *c = &cur->funcs[i], *p = &prev->funcs[i];
		struct func_result *o = &out->funcs[i];

		o->object = c->object;
		o->name = c->name;
		o->mangled = c->mangled;
		o->no_split = c->no_split;
		o->error_ns = c->error_ns;
		o->calls = sub_floor0(c->calls, p->calls);
		o->total_ns = sub_floor0(c->total_ns, p->total_ns);
		o->self_ns = sub_floor0(c->self_ns, p->self_ns);
		o->oncpu_ns = sub_floor0(c->oncpu_ns, p->oncpu_ns);
		o->runq_ns = sub_floor0(c->runq_ns, p->runq_ns);
		o->blocked_ns = sub_floor0(c->blocked_ns, p->blocked_ns);
		o->overhead_ns = sub_floor0(c->overhead_ns, p->overhead_ns);
		for (b = 0; b < SONDE_HIST_BUCKETS; b++) {
			o->hist[b] = sub_floor0(c->hist[b], p->hist[b]);
			o->offcpu_hist[b] = sub_floor0(c->offcpu_hist[b], p->offcpu_hist[b]);
		}
		/*
		 * The kernel keeps min and max for the whole run only; an interval's
		 * are bounded by its own buckets, and by the run's.
		 */
		o->min_ns = o->max_ns = 0;
		if (!hist_range(o->hist, &first, &last)) {
			o->min_ns = sonde_bucket_lower_ns(first);
			if (o->min_ns < c->min_ns)
				o->min_ns = c->min_ns;
			o->max_ns = sonde_bucket_upper_ns(last) - 1;
			if (o->max_ns > c->max_ns)
				o->max_ns = c->max_ns;
		}
	}
}

static int func_cmp_total(const void *a, const void *b)
{
	const struct func_result *x = a, *y = b;

	if (x->total_ns != y->total_ns)
		return x->total_ns > y->total_ns ? -1 : 1;
	if (x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	return strcmp(x->name, y->name);
}

void lat_profile_copy(struct lat_profile *dst, const struct lat_profile *src)
{
	struct func_result *funcs = dst->funcs;
	size_t n = dst->nr_funcs < src->nr_funcs ? dst->nr_funcs : src->nr_funcs;

	*dst = *src;
	dst->funcs = funcs;
	dst->nr_funcs = n;
	dst->owned = NULL; /* strings stay src's: dst must not outlive it */
	dst->nr_owned = 0;
	dst->offcpu_owned = false; /* so do the off-CPU stacks */
	memcpy(dst->funcs, src->funcs, n * sizeof(*funcs));
	dst->slice_ns = 0;
	dst->tree = NULL; /* src's */
	for (size_t i = 0; i < n; i++)
		dst->funcs[i].slices = NULL; /* src's */
}

void lat_profile_sort(struct lat_profile *p)
{
	qsort(p->funcs, p->nr_funcs, sizeof(*p->funcs), func_cmp_total);
}

const char *drop_name(enum sonde_drop d)
{
	static const char *const names[SONDE_DROP__COUNT] = {
	    [SONDE_DROP_DEPTH] = "depth",
	    [SONDE_DROP_NO_STORAGE] = "no_storage",
	    [SONDE_DROP_MISSED_RETURN] = "missed_return",
	    [SONDE_DROP_ORPHAN_RETURN] = "orphan_return",
	    [SONDE_DROP_BAD_ID] = "bad_id",
	    [SONDE_DROP_RINGBUF] = "ringbuf",
	    [SONDE_DROP_UNWOUND] = "unwound",
	    [SONDE_DROP_EXEC] = "exec",
	    [SONDE_DROP_PID_TABLE] = "pid_table",
	    [SONDE_DROP_TREE_FULL] = "tree_full",
	    [SONDE_DROP_OFFCPU_FULL] = "offcpu_full",
	    [SONDE_DROP_OFFCPU_STACK] = "offcpu_stack",
	};

	return d < SONDE_DROP__COUNT ? names[d] : "unknown";
}

__u64 lat_profile_drops(const struct lat_profile *p)
{
	__u64 n = 0;
	int i;

	for (i = 0; i < SONDE_DROP__COUNT; i++)
		n += p->drops[i];
	return n;
}
