// SPDX-License-Identifier: GPL-2.0
#include "out/lat_offcpu_folded.h"

int lat_offcpu_folded_add(struct folded *f, const struct lat_profile *p)
{
	size_t i;
	int err;

	for (i = 0; i < p->nr_offcpu_stacks; i++) {
		const struct lat_offcpu_stack *s = &p->offcpu_stacks[i];

		err = folded_add_symbolized(f, (const char *const *)s->frames, s->nr, NULL,
					    s->blocked_ns + s->runq_ns);
		if (err)
			return err;
	}
	return 0;
}
