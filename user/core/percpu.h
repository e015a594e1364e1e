/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One key's value of a per-CPU map as the kernel hands it to user space: a
 * copy per possible CPU (libbpf_num_possible_cpus(), not the online ones),
 * each rounded up to 8 bytes. The BPF side adds to its own CPU's copy
 * without a lock; user space reads them all and adds them up.
 */
#ifndef SONDE_PERCPU_H
#define SONDE_PERCPU_H

#include <stddef.h>
#include <linux/types.h>

struct percpu_value {
	void *cpus;    /* nr_cpus copies, stride bytes apart */
	size_t stride; /* one CPU's copy: the value's size rounded up to 8 */
	int nr_cpus;
};

/* Room for a value of value_size bytes on every possible CPU: 0 or -errno. */
int percpu_value_init(struct percpu_value *pv, size_t value_size);
void percpu_value_free(struct percpu_value *pv);

/* Every CPU's copy of key's value in the map: 0 or -errno. */
int percpu_value_lookup(struct percpu_value *pv, int map_fd, const void *key);

/* CPU cpu's copy, as the last lookup read it. */
static inline const void *percpu_value_at(const struct percpu_value *pv, int cpu)
{
	return (const char *)pv->cpus + (size_t)cpu * pv->stride;
}

/* The n __u64 at offset bytes into the value, each summed over the CPUs, into sum[]. */
void percpu_value_sum_u64(const struct percpu_value *pv, size_t offset, __u64 *sum, size_t n);

#endif
