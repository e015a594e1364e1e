// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "lat_read.h"

int lat_read(struct lat_bpf *skel, const struct probe_set *set, struct lat_profile *p)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(skel->maps.func_stats);
	struct sonde_func_stats *percpu;
	__u32 id;
	int cpu, b, err = 0;

	if (ncpu < 0)
		return ncpu;
	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	memcpy(p->drops, skel->bss->drops, sizeof(p->drops));
	for (id = 0; id < set->nr && id < p->nr_funcs; id++) {
		struct func_result *f = &p->funcs[id];

		if (bpf_map_lookup_elem(fd, &id, percpu)) {
			err = -errno;
			break;
		}
		memset(f, 0, sizeof(*f));
		f->object = object_shown_path(set->sites[id].object);
		f->name = set->sites[id].name;
		for (cpu = 0; cpu < ncpu; cpu++) {
			const struct sonde_func_stats *s = &percpu[cpu];

			f->calls += s->calls;
			f->total_ns += s->total_ns;
			f->self_ns += s->self_ns;
			if (s->max_ns > f->max_ns)
				f->max_ns = s->max_ns;
			if (s->min_ns && (!f->min_ns || s->min_ns < f->min_ns))
				f->min_ns = s->min_ns;
			for (b = 0; b < SONDE_HIST_BUCKETS; b++)
				f->hist[b] += s->hist[b];
		}
	}
	free(percpu);
	return err;
}
