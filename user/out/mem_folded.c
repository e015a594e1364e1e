// SPDX-License-Identifier: GPL-2.0
#include "out/mem_folded.h"

static int add_stack(struct folded *f, const struct mem_stack *s, __u64 weight)
{
	const char *lost = sonde_mem_stack_lost(s->id) ? "[unknown]" : "[no frames]";
	const char *const bare[] = {lost, "[mmap]"};

	if (s->nr_frames)
		return folded_add_symbolized(f, (const char *const *)s->frames, s->nr_frames,
					     s->mmap ? "[mmap]" : NULL, weight);
	return folded_add(f, bare, s->mmap ? 2 : 1, weight);
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

int mem_folded_mean(struct folded *f, struct sonde_profile *const *runs, size_t nr,
		    enum mem_folded_weight w)
{
	struct folded sum;
	size_t i;
	int err = 0;

	folded_init(&sum, f->unit);
	for (i = 0; !err && i < nr; i++)
		err = mem_folded_add(&sum, runs[i]->mem, w);
	if (!err)
		err = folded_add_divided(f, &sum, nr);
	folded_free(&sum);
	return err;
}
