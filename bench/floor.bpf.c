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
