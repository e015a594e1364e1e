/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --prometheus-pid: the traced functions' calls split by process, from the
 * kernel's pid_stats table (bpf/lat.bpf.c, one entry per process and
 * function, cumulative). A process that has exited keeps its entries for
 * LAT_PID_GONE_READS more reads and LAT_PID_GONE_NS, so the scrapes after its
 * exit still see its
 * last calls (a counter must not vanish before its final value is scraped),
 * then they are deleted: its series go stale in Prometheus, and its room in
 * the table is free for new processes.
 */
#ifndef SONDE_LAT_PIDS_H
#define SONDE_LAT_PIDS_H

#include <stddef.h>
#include <linux/types.h>
#include "sonde/lat.h"

struct probe_set;

/* One function's calls in one process. */
struct lat_pid_result {
	const char *object; /* the function's object and name, as in struct func_result */
	const char *name;
	__u32 pid; /* the process: its tgid */
	__u32 id;  /* the function's index in the probe set */
	__u64 calls, total_ns;
	__u64 hist[SONDE_HIST_BUCKETS];
};

/* Reads that find a process gone and still return its entries. */
#define LAT_PID_GONE_READS 2
/* ... and for this long at least: reads are not all Prometheus's (a liveness
 * probe, a curl), and its scrapes may be a minute apart. */
#define LAT_PID_GONE_NS (60ULL * 1000000000ULL)

/* Room the kernel's table may take, at most: each entry is ~4.9 KB. */
#define LAT_PID_MAX_BYTES (256ULL << 20)

/* Processes the table has room for by default (-b, -- CMD), per function. */
#define LAT_PID_DEFAULT_PROCS 64

struct lat_pids {
	struct lat_pid_result *r; /* the last read's entries, in the table's order */
	size_t nr, cap;
	/* Processes the reads found gone, and how many reads in a row did. */
	struct lat_pid_gone {
		__u32 pid, reads;
		__u64 since_ns; /* the first read that found it gone */
	} *gone;
	size_t nr_gone, cap_gone;
};

/* The table's size for `procs` processes of nr_funcs functions, within LAT_PID_MAX_BYTES. */
__u32 lat_pids_entries(__u32 procs, size_t nr_funcs);

/*
 * Read the table (map_fd: pid_stats) into p->r, the functions named from
 * `set`, and delete the entries of processes gone for more than
 * LAT_PID_GONE_READS reads. 0 or -errno.
 */
int lat_pids_read(struct lat_pids *p, int map_fd, const struct probe_set *set);
void lat_pids_free(struct lat_pids *p);

#endif
