// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "out/json_read.h"
#include "out/mem_json.h"

static json_t *u64_array(const __u64 *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

/* ---- the report: the object sonde mem --json prints, and -o files hold as "report" ---- */

static double per_s(__u64 n, __u64 ns)
{
	return ns ? n / (ns / 1e9) : 0;
}

static json_t *frames_json(const struct mem_stack *s, bool bare)
{
	json_t *arr = json_array();
	char fn[256];
	size_t i;

	for (i = 0; arr && i < s->nr_frames; i++)
		json_array_append_new(
		    arr, json_string(bare ? mem_frame_function(s->frames[i], fn, sizeof(fn))
					  : s->frames[i]));
	return arr;
}

static json_t *report_stack_json(const struct mem_profile *p, const struct mem_stack *s)
{
	json_t *o, *series = json_array();
	size_t i;

	for (i = 0; series && i < p->nr_samples; i++)
		json_array_append_new(series, json_integer((json_int_t)s->series[i]));
	o = json_pack(
	    "{s:o, s:o, s:i, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:b, s:I, s:I, "
	    "s:I, s:o}",
	    "frames", frames_json(s, true), "frames_at", frames_json(s, false), "pid", (int)s->pid,
	    "mmap", s->mmap, "live_bytes", (json_int_t)s->live_bytes, "live_allocs",
	    (json_int_t)s->live_allocs, "allocs", (json_int_t)s->allocs, "frees",
	    (json_int_t)s->frees, "alloc_bytes", (json_int_t)s->alloc_bytes, "growth_bytes_per_s",
	    (json_int_t)(s->growth_bytes_per_s + 0.5 - (s->growth_bytes_per_s < 0)), "growth_r2",
	    s->growth_r2, "suspect", mem_stack_is_suspect(p, s), "oldest_ns",
	    (json_int_t)s->oldest_ns, "old_allocs", (json_int_t)s->old_allocs, "old_bytes",
	    (json_int_t)s->old_bytes, "series_bytes", series ? series : json_array());
	if (!o)
		return NULL;
	/* The judgement's own numbers: a leak freed at the end grew at its rate until then. */
	json_object_set_new(o, "freed_at_end",
			    json_boolean(mem_stack_is_suspect(p, s) && s->freed_at_end));
	json_object_set_new(
	    o, "freed_at_exit",
	    json_boolean(mem_stack_is_suspect(p, s) && s->freed_at_end && p->target_exited));
	json_object_set_new(o, "leak_bytes_per_s",
			    json_integer((json_int_t)(s->leak_bytes_per_s + 0.5)));
	json_object_set_new(o, "peak_bytes", json_integer((json_int_t)s->peak_bytes));
	json_object_set_new(o, "cut", json_boolean(s->cut));
	return o;
}

json_t *mem_report_to_json(const struct mem_profile *p, size_t top)
{
	json_t *root, *drops = json_object(), *counts = json_object(), *stacks = json_array();
	size_t *order = calloc(p->nr_stacks ? p->nr_stacks : 1, sizeof(*order)), n, i;
	size_t with_allocs, shallow = mem_profile_shallow_stacks(p, &with_allocs);

	root = json_pack(
	    "{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "type", "mem", "final", p->final,
	    "duration_ns", (json_int_t)p->interval_ns, "elapsed_ns", (json_int_t)p->duration_ns,
	    "rss_bytes", (json_int_t)p->rss_bytes, "rss_peak_bytes", (json_int_t)p->rss_peak_bytes,
	    "live_bytes", (json_int_t)mem_profile_live_bytes(p, false), "live_allocs",
	    (json_int_t)mem_profile_live_allocs(p, false), "mmap_bytes",
	    (json_int_t)mem_profile_live_bytes(p, true), "brk_bytes", (json_int_t)p->brk_bytes);
	if (!root || !drops || !counts || !stacks || !order) {
		json_decref(root);
		root = NULL;
		goto cleanup;
	}
	json_object_set_new(root, "allocs",
			    json_integer((json_int_t)p->interval_counts[SONDE_MC_ALLOCS]));
	json_object_set_new(root, "frees",
			    json_integer((json_int_t)p->interval_counts[SONDE_MC_FREES]));
	json_object_set_new(root, "allocs_per_s",
			    json_real(per_s(p->interval_counts[SONDE_MC_ALLOCS], p->interval_ns)));
	json_object_set_new(root, "frees_per_s",
			    json_real(per_s(p->interval_counts[SONDE_MC_FREES], p->interval_ns)));
	json_object_set_new(root, "processes", json_integer(p->nr_processes));
	json_object_set_new(root, "lower_bound", json_boolean(mem_profile_lower_bound(p)));
	json_object_set_new(root, "shallow_stacks", json_integer((json_int_t)shallow));
	json_object_set_new(root, "min_age_ns", json_integer((json_int_t)p->min_age_ns));
	json_object_set_new(root, "stack_depth", json_integer(p->stack_depth));
	json_object_set_new(root, "allocator",
			    p->allocator[0] ? json_string(p->allocator) : json_null());
	json_object_set_new(root, "allocator_object",
			    p->allocator[0] ? json_string(p->allocator_path) : json_null());
	json_object_set_new(root, "unseen", p->unseen[0] ? json_string(p->unseen) : json_null());
	json_object_set_new(root, "target_exited", json_boolean(p->target_exited));
	json_object_set_new(root, "exited_processes",
			    json_integer((json_int_t)p->exited_processes));
	json_object_set_new(root, "exited_blocks", json_integer((json_int_t)p->exited_blocks));
	json_object_set_new(root, "exited_bytes", json_integer((json_int_t)p->exited_bytes));
	json_object_set_new(root, "cut_stacks",
			    json_integer((json_int_t)mem_profile_cut_stacks(p)));
	for (i = 0; i < SONDE_MC__COUNT; i++)
		json_object_set_new(counts, mem_count_name(i),
				    json_integer((json_int_t)p->counts[i]));
	for (i = 0; i < SONDE_MD__COUNT; i++)
		json_object_set_new(drops, mem_drop_name(i), json_integer((json_int_t)p->drops[i]));
	n = mem_profile_rank(p, order, top);
	for (i = 0; i < n; i++)
		json_array_append_new(stacks, report_stack_json(p, &p->stacks[order[i]]));
	json_object_set(root, "counts", counts);
	json_object_set(root, "drops", drops);
	json_object_set(root, "stacks", stacks);
cleanup:
	free(order);
	json_decref(counts);
	json_decref(drops);
	json_decref(stacks);
	return root;
}

int mem_report_json(FILE *f, const struct mem_profile *p, const struct mem_report_opts *o)
{
	return format_json_line(f, mem_report_to_json(p, o->top));
}

/* ---- the whole model, for profile files ---- */

static json_t *stack_json(const struct mem_stack *s, size_t nr_samples)
{
	json_t *o, *frames = json_array(), *series = json_array();
	size_t i;

	for (i = 0; frames && i < s->nr_frames; i++)
		json_array_append_new(frames, json_string(s->frames[i]));
	for (i = 0; series && i < nr_samples; i++)
		json_array_append_new(series, json_real(s->series[i]));
	o = json_pack("{s:I, s:I, s:b, s:o, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:I, s:I, s:I, s:o}",
		      "id", (json_int_t)s->id, "pid", (json_int_t)s->pid, "mmap", s->mmap, "frames",
		      frames ? frames : json_array(), "live_bytes", (json_int_t)s->live_bytes,
		      "live_allocs", (json_int_t)s->live_allocs, "allocs", (json_int_t)s->allocs,
		      "frees", (json_int_t)s->frees, "alloc_bytes", (json_int_t)s->alloc_bytes,
		      "growth_bytes_per_s", s->growth_bytes_per_s, "growth_r2", s->growth_r2,
		      "oldest_ns", (json_int_t)s->oldest_ns, "old_allocs",
		      (json_int_t)s->old_allocs, "old_bytes", (json_int_t)s->old_bytes, "series",
		      series ? series : json_array());
	if (o && s->cut)
		json_object_set_new(o, "cut", json_true());
	return o;
}

json_t *mem_profile_to_json(const struct mem_profile *p)
{
	json_t *o, *stacks = json_array();
	size_t i;

	if (!stacks)
		return NULL;
	for (i = 0; i < p->nr_stacks; i++)
		json_array_append_new(stacks, stack_json(&p->stacks[i], p->nr_samples));
	o = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:o, s:o, s:o, s:o, s:o}",
		      "final", p->final, "duration_ns", (json_int_t)p->duration_ns, "interval_ns",
		      (json_int_t)p->interval_ns, "rss_bytes", (json_int_t)p->rss_bytes,
		      "rss_peak_bytes", (json_int_t)p->rss_peak_bytes, "brk_bytes",
		      (json_int_t)p->brk_bytes, "min_age_ns", (json_int_t)p->min_age_ns,
		      "stack_depth", (int)p->stack_depth, "nr_processes", (int)p->nr_processes,
		      "counts", u64_array(p->counts, SONDE_MC__COUNT), "interval_counts",
		      u64_array(p->interval_counts, SONDE_MC__COUNT), "drops",
		      u64_array(p->drops, SONDE_MD__COUNT), "sample_ns",
		      u64_array(p->sample_ns, p->nr_samples), "stacks", stacks);
	if (!o)
		return NULL;
	json_object_set_new(o, "target_exited", json_boolean(p->target_exited));
	if (p->exited_processes) {
		json_object_set_new(o, "exited_processes",
				    json_integer((json_int_t)p->exited_processes));
		json_object_set_new(o, "exited_blocks", json_integer((json_int_t)p->exited_blocks));
		json_object_set_new(o, "exited_bytes", json_integer((json_int_t)p->exited_bytes));
	}
	if (p->allocator[0]) {
		json_object_set_new(o, "allocator", json_string(p->allocator));
		json_object_set_new(o, "allocator_object", json_string(p->allocator_path));
	}
	if (p->unseen[0])
		json_object_set_new(o, "unseen", json_string(p->unseen));
	return o;
}

/* A stack's counts and growth. */
static int read_stack_counts(json_t *o, struct mem_stack *s)
{
	const struct json_u64_member counts[] = {
	    {"live_bytes", &s->live_bytes, true},   {"live_allocs", &s->live_allocs, true},
	    {"allocs", &s->allocs, true},	    {"frees", &s->frees, true},
	    {"alloc_bytes", &s->alloc_bytes, true}, {"oldest_ns", &s->oldest_ns, true},
	    {"old_allocs", &s->old_allocs, true},   {"old_bytes", &s->old_bytes, true},
	};

	if (json_read_u64s(o, counts, sizeof(counts) / sizeof(counts[0])) ||
	    json_read_double(o, "growth_bytes_per_s", &s->growth_bytes_per_s) ||
	    json_read_double(o, "growth_r2", &s->growth_r2))
		return -1;
	return 0;
}

static int read_stack(struct mem_profile *p, json_t *o)
{
	json_t *frames = json_object_get(o, "frames"), *series = json_object_get(o, "series"), *v;
	const char **names = NULL;
	struct mem_stack *s;
	__u64 id, pid;
	size_t i;
	int err = -1;

	if (json_read_u64(o, "id", &id, true) || json_read_u64(o, "pid", &pid, true) ||
	    !json_is_array(frames) || !json_is_array(series) ||
	    json_array_size(series) != p->nr_samples)
		return -1;
	if (mem_profile_find(p, (__u32)id))
		return -1; /* ids are unique */
	s = mem_profile_stack(p, (__u32)id);
	if (!s)
		return -1;
	s->pid = (__u32)pid;
	s->mmap = json_is_true(json_object_get(o, "mmap"));
	s->cut = json_is_true(json_object_get(o, "cut"));
	if (read_stack_counts(o, s))
		return -1;
	json_array_foreach(series, i, v)
	{
		if (!json_is_number(v))
			return -1;
		s->series[i] = json_number_value(v);
	}
	names = calloc(json_array_size(frames) + 1, sizeof(*names));
	if (!names)
		return -1;
	json_array_foreach(frames, i, v)
	{
		if (!json_is_string(v))
			goto cleanup;
		names[i] = json_string_value(v);
	}
	err = mem_stack_set_frames(s, names, json_array_size(frames)) ? -1 : 0;
cleanup:
	free(names);
	return err;
}

/* The model's totals and counters. */
static int read_totals(json_t *o, struct mem_profile *p)
{
	__u64 depth, procs;
	const struct json_u64_member totals[] = {
	    {"duration_ns", &p->duration_ns, true}, {"interval_ns", &p->interval_ns, true},
	    {"rss_bytes", &p->rss_bytes, true},	    {"rss_peak_bytes", &p->rss_peak_bytes, true},
	    {"brk_bytes", &p->brk_bytes, true},	    {"min_age_ns", &p->min_age_ns, true},
	    {"stack_depth", &depth, true},	    {"nr_processes", &procs, true},
	};

	if (json_read_u64s(o, totals, sizeof(totals) / sizeof(totals[0])) ||
	    json_read_u64_array(o, "counts", p->counts, SONDE_MC__COUNT) ||
	    json_read_u64_array(o, "interval_counts", p->interval_counts, SONDE_MC__COUNT) ||
	    json_read_u64_array(o, "drops", p->drops, SONDE_MD__COUNT))
		return -1;
	p->stack_depth = (__u32)depth;
	p->nr_processes = (__u32)procs;
	return 0;
}

struct mem_profile *mem_profile_from_json(json_t *o)
{
	json_t *samples = json_object_get(o, "sample_ns"), *stacks = json_object_get(o, "stacks");
	json_t *v;
	struct mem_profile *p;
	size_t i, n;

	if (!json_is_object(o) || !json_is_array(samples) || !json_is_array(stacks))
		return NULL;
	n = json_array_size(samples);
	p = mem_profile_new(n);
	if (!p)
		return NULL;
	p->final = true;
	if (n > p->max_samples || json_read_u64_array(o, "sample_ns", p->sample_ns, n))
		goto fail;
	p->nr_samples = n;
	if (read_totals(o, p))
		goto fail;
	/* Absent from profiles of older versions. */
	p->target_exited = json_is_true(json_object_get(o, "target_exited"));
	json_read_u64(o, "exited_processes", &p->exited_processes, true);
	json_read_u64(o, "exited_blocks", &p->exited_blocks, true);
	json_read_u64(o, "exited_bytes", &p->exited_bytes, true);
	json_read_string(o, "allocator", p->allocator, sizeof(p->allocator));
	json_read_string(o, "allocator_object", p->allocator_path, sizeof(p->allocator_path));
	json_read_string(o, "unseen", p->unseen, sizeof(p->unseen));
	json_array_foreach(stacks, i, v)
	{
		if (read_stack(p, v))
			goto fail;
	}
	mem_profile_judge(p);
	return p;
fail:
	mem_profile_free(p);
	return NULL;
}
