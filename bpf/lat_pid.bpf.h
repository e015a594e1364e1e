/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde lat --prometheus-pid, included by lat.bpf.c before finish_call():
 * each call also into its process's totals. Off (the default), the
 * verifier drops it.
 */
#ifndef SONDE_LAT_PID_BPF_H
#define SONDE_LAT_PID_BPF_H

/* --prometheus-pid: each call also into its process's totals (pid_stats). */
const volatile bool per_pid = false;

/*
 * --prometheus-pid's totals per process and function. Sized by the loader
 * (processes x functions, capped), and then allocated as processes call
 * (BPF_F_NO_PREALLOC, set by the loader only then: preallocated, one entry
 * costs nothing when the option is off). User space deletes the entries of
 * a process gone for a few scrapes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct sonde_pid_key);
	__type(value, struct sonde_pid_stats);
} pid_stats SEC(".maps");

/* What a process's first call of a function inserts: a map value may not
 * come from the BPF stack, 512 bytes, and one is ~4.9 KB. */
static const struct sonde_pid_stats pid_stats_zero;

/*
 * --prometheus-pid: the call into its process's totals too. The entry is
 * inserted at the process's first call (BPF_NOEXIST: another CPU may just
 * have inserted it, then both add to that one); a full table is a drop, as
 * the call then is in its function's totals but in no process's.
 */
static __always_inline void account_pid_call(const struct sonde_call *c)
{
	struct sonde_pid_key k = {.tgid = bpf_get_current_pid_tgid() >> 32, .id = c->id};
	struct sonde_pid_stats *v;

	v = bpf_map_lookup_elem(&pid_stats, &k);
	if (!v) {
		bpf_map_update_elem(&pid_stats, &k, &pid_stats_zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&pid_stats, &k);
		if (!v) {
			count_drop(SONDE_DROP_PID_TABLE);
			return;
		}
	}
	__sync_fetch_and_add(&v->total_ns, c->wall);
	add_to_hist(true, v->hist, c->wall);
}

#endif
