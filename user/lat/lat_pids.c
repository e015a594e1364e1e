// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "lat/lat_pids.h"
#include "core/test_knobs.h"
#include "core/util.h"
#include "probe/probes.h"

__u32 lat_pids_entries(__u32 procs, size_t nr_funcs)
{
	__u64 max = LAT_PID_MAX_BYTES / sizeof(struct sonde_pid_stats);
	__u64 want = (__u64)procs * (nr_funcs ? nr_funcs : 1);

	return (__u32)(want < max ? want : max);
}

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if (!(p = realloc(*v, n * size)))
		return -ENOMEM;
	*v = p;
	*cap = n;
	return 0;
}

/* Zombies still exist: their calls are theirs until the parent reaps them. */
static bool process_exists(__u32 pid)
{
	return !kill((pid_t)pid, 0) || errno != ESRCH;
}

static __u64 gone_ns(void)
{
	long ms = test_knobs()->pid_gone_ms;

	return ms >= 0 ? (__u64)ms * 1000000ULL : LAT_PID_GONE_NS;
}

/* Reads in a row that found pid gone, this one included; 0 when it exists. */
static int note_gone(struct lat_pids *p, __u32 pid, __u32 *reads)
{
	size_t i;

	for (i = 0; i < p->nr_gone && p->gone[i].pid != pid; i++)
		;
	if (process_exists(pid)) {
		/* Back: the pid was reused. The new process adds to the old one's totals. */
		if (i < p->nr_gone)
			p->gone[i] = p->gone[--p->nr_gone];
		*reads = 0;
		return 0;
	}
	if (i == p->nr_gone) {
		if (grow((void **)&p->gone, &p->cap_gone, i + 1, sizeof(*p->gone)))
			return -ENOMEM;
		p->gone[p->nr_gone++] = (struct lat_pid_gone){.pid = pid, .since_ns = now_ns()};
	}
	*reads = ++p->gone[i].reads;
	/* Not yet past both bounds: reported as read LAT_PID_GONE_READS times at most. */
	if (now_ns() - p->gone[i].since_ns < gone_ns() && *reads > LAT_PID_GONE_READS)
		*reads = LAT_PID_GONE_READS;
	if (*reads > LAT_PID_GONE_READS)
		p->gone[i] = p->gone[--p->nr_gone];
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct lat_pid_result *x = a, *y = b;

	return x->pid != y->pid ? (x->pid > y->pid ? 1 : -1) : (x->id > y->id) - (x->id < y->id);
}

/*
 * A key read twice: a walk whose previous key vanished restarts from the
 * table's start (kernel/bpf/hashtab.c, htab_map_get_next_key()). Only these
 * reads delete, between walks, but a repeat would count a process's calls
 * twice: kept once. p->r is sorted.
 */
static void drop_repeats(struct lat_pids *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->nr; i++)
		if (!n || cmp_pid(&p->r[n - 1], &p->r[i]))
			if (n++ != i)
				p->r[n - 1] = p->r[i];
	p->nr = n;
}

/* The entries of processes gone too long: out of the table and of p->r (sorted by pid). */
static int forget_gone(struct lat_pids *p, int map_fd)
{
	size_t i, j, kept = 0;
	__u32 reads;
	int err;

	for (i = 0; i < p->nr; i = j) {
		for (j = i + 1; j < p->nr && p->r[j].pid == p->r[i].pid; j++)
			;
		if ((err = note_gone(p, p->r[i].pid, &reads)))
			return err;
		if (reads > LAT_PID_GONE_READS) {
			for (; i < j; i++) {
				struct sonde_pid_key k = {.tgid = p->r[i].pid, .id = p->r[i].id};

				bpf_map_delete_elem(map_fd, &k);
			}
			continue;
		}
		if (kept != i)
			memmove(&p->r[kept], &p->r[i], (j - i) * sizeof(*p->r));
		kept += j - i;
	}
	p->nr = kept;
	return 0;
}

int lat_pids_read(struct lat_pids *p, int map_fd, const struct probe_set *set)
{
	struct sonde_pid_key key, *prev = NULL;
	struct sonde_pid_stats v;
	int b, err;

	p->nr = 0;
	while (!(err = bpf_map_get_next_key(map_fd, prev, &key))) {
		struct lat_pid_result *r;

		prev = &key;
		/* Gone meanwhile (another reader), or no function of ours. */
		if (bpf_map_lookup_elem(map_fd, &key, &v) || key.id >= set->nr)
			continue;
		if ((err = grow((void **)&p->r, &p->cap, p->nr + 1, sizeof(*p->r))))
			return err;
		r = &p->r[p->nr++];
		r->object = object_shown_path(set->sites[key.id].object);
		r->name = set->sites[key.id].name;
		r->pid = key.tgid;
		r->id = key.id;
		r->total_ns = v.total_ns;
		r->calls = 0;
		for (b = 0; b < SONDE_HIST_BUCKETS; b++) {
			r->hist[b] = v.hist[b];
			r->calls += v.hist[b];
		}
	}
	if (err != -ENOENT)
		return err;
	qsort(p->r, p->nr, sizeof(*p->r), cmp_pid);
	drop_repeats(p);
	return forget_gone(p, map_fd);
}

void lat_pids_free(struct lat_pids *p)
{
	free(p->r);
	free(p->gone);
	memset(p, 0, sizeof(*p));
}
