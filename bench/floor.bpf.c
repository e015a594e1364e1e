// SPDX-License-Identifier: GPL-2.0
/* The floor: an entry and a return probe that do nothing. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("uprobe.multi")
int floor_entry(void *ctx)
{
	return 0;
}

SEC("uretprobe.multi")
int floor_return(void *ctx)
{
	return 0;
}

/*
 * The clock floor: the least any latency tracer does on top - read the clock
 * at the entry and at the return, and keep the difference (here in one
 * per-CPU slot: no per-thread pairing, no histogram). On the virtual machines
 * sonde is measured on a clock read costs ~40 ns (rdtsc alone ~18 ns from
 * user space), so this row shows what of a tracer's cost is the clock.
 */
struct floor_clock {
	__u64 start_ns;
	__u64 sum_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct floor_clock);
} clock_slot SEC(".maps");

SEC("uprobe.multi")
int clock_entry(void *ctx)
{
	__u32 zero = 0;
	struct floor_clock *c = bpf_map_lookup_elem(&clock_slot, &zero);

	if (c)
		c->start_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("uretprobe.multi")
int clock_return(void *ctx)
{
	__u32 zero = 0;
	struct floor_clock *c = bpf_map_lookup_elem(&clock_slot, &zero);

	if (c)
		c->sum_ns += bpf_ktime_get_ns() - c->start_ns;
	return 0;
}
