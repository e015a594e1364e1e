// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include "out/mem_folded.h"

/* The longest function name kept whole; a longer one is cut, as the report cuts it. */
#define MEM_FOLDED_NAME_MAX 512

static int add_stack(struct folded *f, const struct mem_stack *s, __u64 weight)
{
	size_t nr = s->nr_frames + (s->mmap ? 1 : 0), n = 0, i;
	const char **frames;
	char *names;
	int err;

	if (!weight)
		return 0;
	frames = calloc(nr + 1, sizeof(*frames));
	names = malloc((s->nr_frames ? s->nr_frames : 1) * MEM_FOLDED_NAME_MAX);
	if (!frames || !names) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* Innermost first in the profile; outermost first here. */
	for (i = s->nr_frames; i-- > 0;)
		frames[n++] = mem_frame_function(s->frames[i], names + i * MEM_FOLDED_NAME_MAX,
						 MEM_FOLDED_NAME_MAX);
	if (!n)
		frames[n++] = sonde_mem_stack_lost(s->id) ? "[unknown]" : "[no frames]";
	if (s->mmap)
		frames[n++] = "[mmap]";
	err = folded_add(f, frames, n, weight);
cleanup:
	free(frames);
	free(names);
	return err;
}

int mem_folded_add(struct folded *f, const struct mem_profile *p, enum mem_folded_weight w)
{
	size_t i;
	int err;

	for (i = 0; i < p->nr_stacks; i++) {
		const struct mem_stack *s = &p->stacks[i];

		err = add_stack(f, s, w == MEM_FOLDED_LIVE ? s->live_bytes : s->alloc_bytes);
		if (err)
			return err;
	}
	return 0;
}
