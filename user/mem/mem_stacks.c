// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "mem/mem_profile.h"
#include "mem/mem_stacks.h"
#include "probe/symbolize.h"
#include "core/util.h"

/* Processes tried in place of one that is gone, at most. */
#define MAPS_HOLDER_TRIES 32

/* Frames of one stack id, symbolized once. */
struct stack_names {
	char **frames;
	size_t nr;
	bool done;
	bool cut; /* ended at a frame that is not code */
};

struct mem_stacks {
	int stacks_fd, procs_fd;
	__u32 depth;
	struct symbolizer *syms;
	struct stack_names *names; /* indexed by stack id */
	size_t nr_names;
};

struct mem_stacks *mem_stacks__new(int stacks_fd, int procs_fd, __u32 depth)
{
	struct mem_stacks *ms = calloc(1, sizeof(*ms));

	if (!ms)
		return NULL;
	ms->stacks_fd = stacks_fd;
	ms->procs_fd = procs_fd;
	ms->depth = depth;
	ms->syms = symbolizer__new();
	if (!ms->syms) {
		free(ms);
		return NULL;
	}
	return ms;
}

void mem_stacks__free(struct mem_stacks *ms)
{
	size_t i, j;

	if (!ms)
		return;
	for (i = 0; i < ms->nr_names; i++) {
		for (j = 0; j < ms->names[i].nr; j++)
			free(ms->names[i].frames[j]);
		free(ms->names[i].frames);
	}
	free(ms->names);
	symbolizer__free(ms->syms);
	free(ms);
}

struct code_ctx {
	struct mem_stacks *ms;
	__u32 pid;
};

/* A process the symbolizer does not know (gone before its maps were read):
 * nothing to judge by, every frame is kept. */
static bool is_code(void *ctx, __u64 addr)
{
	struct code_ctx *c = ctx;

	return symbolizer__is_code(c->ms->syms, (pid_t)c->pid, addr) != 0;
}

/*
 * The process whose maps name the frames of a stack first made by pid. pid
 * itself while it is known; gone before its maps were read (-b on a server
 * that forks a process per connection, which lives a few milliseconds), a
 * traced process of the same binary that is still running and has code at
 * the innermost frame: a fork of the same parent has the same layout, and a
 * process laid out otherwise by ASLR has no code there.
 */
static __u32 maps_holder(struct mem_stacks *ms, __u32 pid, __u64 ip)
{
	__u32 key, *prev = NULL;
	int tries = 0;

	if (symbolizer__is_code(ms->syms, (pid_t)pid, ip) >= 0)
		return pid;
	while (tries++ < MAPS_HOLDER_TRIES && !bpf_map_get_next_key(ms->procs_fd, prev, &key)) {
		prev = &key;
		if (key != pid && symbolizer__is_code(ms->syms, (pid_t)key, ip) == 1) {
			sonde_info("stacks of exited process %u named through process %u", pid,
				   key);
			return key;
		}
	}
	return pid;
}

static struct stack_names *names_of(struct mem_stacks *ms, __u32 id)
{
	if (id >= ms->nr_names) {
		size_t cap = id + 1 > ms->nr_names * 2 ? id + 1 : ms->nr_names * 2;
		struct stack_names *v = realloc(ms->names, cap * sizeof(*v));

		if (!v)
			return NULL;
		memset(v + ms->nr_names, 0, (cap - ms->nr_names) * sizeof(*v));
		ms->names = v;
		ms->nr_names = cap;
	}
	return &ms->names[id];
}

/* Symbolized the first time it is asked for, while its process is (most
 * likely) still alive. */
static int name_stack(struct mem_stacks *ms, struct stack_names *n, __u32 id, __u32 pid)
{
	__u64 *ips = calloc(ms->depth, sizeof(*ips));
	char name[512];
	size_t i;
	int err = 0;

	n->frames = n->frames ? n->frames : calloc(ms->depth, sizeof(*n->frames));
	if (!ips || !n->frames) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (bpf_map_lookup_elem(ms->stacks_fd, &id, ips)) {
		err = -errno;
		goto cleanup;
	}
	pid = maps_holder(ms, pid, ips[0]);
	n->nr = mem_stack_plausible(ips, ms->depth, is_code, &(struct code_ctx){ms, pid});
	n->cut = n->nr < ms->depth && ips[n->nr];
	for (i = 0; i < n->nr; i++) {
		n->frames[i] =
		    strdup(symbolizer__name(ms->syms, (pid_t)pid, ips[i], name, sizeof(name)));
		if (!n->frames[i])
			break;
	}
	n->nr = i;
	n->done = true;
cleanup:
	free(ips);
	return err;
}

const char *const *mem_stacks__frames(struct mem_stacks *ms, __u32 id, __u32 pid, size_t *nr,
				      bool *cut)
{
	struct stack_names *n;

	*nr = 0;
	if (cut)
		*cut = false;
	if (sonde_mem_stack_lost(id) || !(n = names_of(ms, id)))
		return NULL;
	if (!n->done && name_stack(ms, n, id, pid))
		return NULL;
	*nr = n->nr;
	if (cut)
		*cut = n->cut;
	return (const char *const *)n->frames;
}
