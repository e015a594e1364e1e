// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/percpu.h"

int percpu_value_init(struct percpu_value *pv, size_t value_size)
{
	int ncpu = libbpf_num_possible_cpus();

	memset(pv, 0, sizeof(*pv));
	if (ncpu < 0)
		return ncpu;
	/* The kernel copies per-CPU values out 8-byte aligned (bpf_long_memcpy). */
	pv->stride = (value_size + 7) / 8 * 8;
	pv->cpus = calloc((size_t)ncpu, pv->stride);
	if (!pv->cpus)
		return -ENOMEM;
	pv->nr_cpus = ncpu;
	return 0;
}

void percpu_value_free(struct percpu_value *pv)
{
	free(pv->cpus);
	pv->cpus = NULL;
}

int percpu_value_lookup(struct percpu_value *pv, int map_fd, const void *key)
{
	return bpf_map_lookup_elem(map_fd, key, pv->cpus) ? -errno : 0;
}

void percpu_value_sum_u64(const struct percpu_value *pv, size_t offset, __u64 *sum, size_t n)
{
	int cpu;
	size_t i;

	memset(sum, 0, n * sizeof(*sum));
	for (cpu = 0; cpu < pv->nr_cpus; cpu++) {
		const __u64 *v = (const __u64 *)((const char *)percpu_value_at(pv, cpu) + offset);

		for (i = 0; i < n; i++)
			sum[i] += v[i];
	}
}
