// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include "out/prom_lat.h"
#include "out/run_meta.h"
#include "core/safe_text.h"

#define NS_PER_S 1e9

void prom_write_build_info(struct prom_writer *w)
{
	struct utsname u;
	struct prom_label l[] = {{"version", sonde_version()}, {"kernel", "unknown"}};

	if (!uname(&u))
		l[1].value = u.release;
	prom_family(w, "sonde_build_info", PROM_GAUGE,
		    "sonde's version and the kernel it traces on; always 1");
	prom_sample(w, l, 2, 1);
}

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path ? path : "";
}

/* One series: the functions of one name in one object (static functions of
 * one name in several files of a program, say), summed. */
struct series {
	/* safe_text_dup()s, owned: what a binary holds need not be UTF-8, labels must be. */
	char *function, *object;
	const struct func_result **f;
	size_t nr;
	__u64 hist[SONDE_HIST_BUCKETS];
	__u64 calls, total_ns, oncpu_ns, runq_ns, blocked_ns, overhead_ns;
	bool split, overhead;
};

static int cmp_func(const void *a, const void *b)
{
	const struct func_result *x = *(const struct func_result *const *)a;
	const struct func_result *y = *(const struct func_result *const *)b;
	int c = strcmp(base_name(x->object), base_name(y->object));

	return c ? c : strcmp(x->name, y->name);
}

static void series_add(struct series *s, const struct func_result *f, bool sched, bool corrected)
{
	int b;

	for (b = 0; b < SONDE_HIST_BUCKETS; b++)
		s->hist[b] += f->hist[b];
	s->calls += f->calls;
	s->total_ns += f->total_ns;
	s->oncpu_ns += f->oncpu_ns;
	s->runq_ns += f->runq_ns;
	s->blocked_ns += f->blocked_ns;
	s->overhead_ns += f->overhead_ns;
	s->split = s->split || (sched && !f->no_split);
	s->overhead = corrected;
}

static void free_series(struct series *s, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(s[i].function);
		free(s[i].object);
	}
	if (nr)
		free((void *)s[0].f);
	free(s);
}

/* The profile's functions grouped into series, sorted by object and name. */
static struct series *make_series(const struct lat_profile *p, size_t *nr_out)
{
	const struct func_result **by = calloc(p->nr_funcs ? p->nr_funcs : 1, sizeof(*by));
	struct series *s = calloc(p->nr_funcs ? p->nr_funcs : 1, sizeof(*s));
	size_t i, n = 0;

	if (!by || !s) {
		free(by);
		free(s);
		return NULL;
	}
	for (i = 0; i < p->nr_funcs; i++)
		by[i] = &p->funcs[i];
	qsort(by, p->nr_funcs, sizeof(*by), cmp_func);
	for (i = 0; i < p->nr_funcs; i++) {
		if (!n || cmp_func(&by[i], &s[n - 1].f[0])) {
			s[n].f = &by[i];
			s[n].function = safe_text_dup(by[i]->name);
			s[n].object = safe_text_dup(base_name(by[i]->object));
			if (!s[n].function || !s[n].object) {
				free_series(s, n + 1);
				return NULL;
			}
			n++;
		}
		series_add(&s[n - 1], by[i], p->sched, p->corrected);
	}
	/* The series point into `by`; the caller frees it through s[0].f. */
	if (!n)
		free(by);
	*nr_out = n;
	return s;
}

typedef double (*series_value_fn)(const struct series *s);

static double oncpu_s(const struct series *s)
{
	return s->oncpu_ns / NS_PER_S;
}
static double runq_s(const struct series *s)
{
	return s->runq_ns / NS_PER_S;
}
static double blocked_s(const struct series *s)
{
	return s->blocked_ns / NS_PER_S;
}
static double hits(const struct series *s)
{
	return 2.0 * (double)s->calls;
}
static double overhead_s(const struct series *s)
{
	return s->overhead_ns / NS_PER_S;
}

/* Which series a counter has: all, those with the scheduler split, those calibrated. */
enum series_need { NEED_NONE, NEED_SPLIT, NEED_OVERHEAD };

/* A per-function counter family, of the series that have what it needs. */
static void counter_family(struct prom_writer *w, const struct series *s, size_t nr,
			   const char *name, const char *help, series_value_fn value,
			   enum series_need need)
{
	size_t i;
	bool any = false;

	for (i = 0; i < nr; i++) {
		struct prom_label l[] = {{"function", s[i].function}, {"object", s[i].object}};

		if ((need == NEED_SPLIT && !s[i].split) ||
		    (need == NEED_OVERHEAD && !s[i].overhead))
			continue;
		if (!any)
			prom_family(w, name, PROM_COUNTER, help);
		any = true;
		prom_sample(w, l, 2, value(&s[i]));
	}
}

static int cmp_pid_result(const void *a, const void *b)
{
	const struct lat_pid_result *x = *(const struct lat_pid_result *const *)a;
	const struct lat_pid_result *y = *(const struct lat_pid_result *const *)b;
	int c = strcmp(base_name(x->object), base_name(y->object));

	if (!c)
		c = strcmp(x->name, y->name);
	return c ? c : (x->pid > y->pid) - (x->pid < y->pid);
}

/* --prometheus-pid: one duration histogram per (function, object, pid),
 * functions of one name in one object summed as in make_series(). */
static int write_pid_durations(struct prom_writer *w, const struct lat_pids *pids,
			       const struct prom_buckets *b)
{
	const struct lat_pid_result **by = calloc(pids->nr ? pids->nr : 1, sizeof(*by));
	size_t i, j;
	int k;

	if (!by)
		return -ENOMEM;
	for (i = 0; i < pids->nr; i++)
		by[i] = &pids->r[i];
	qsort(by, pids->nr, sizeof(*by), cmp_pid_result);
	for (i = 0; i < pids->nr; i = j) {
		struct lat_pid_result sum = *by[i];
		char pid[16], *function = safe_text_dup(sum.name),
			      *object = safe_text_dup(base_name(sum.object));
		/* As the per-function series name them (make_series()). */
		struct prom_label l[] = {{"function", function}, {"object", object}, {"pid", pid}};
		struct prom_hist h = {
		    .buckets = sum.hist, .edges = b->edges, .nr_edges = b->nr_edges};

		if (!function || !object) {
			free(function);
			free(object);
			free(by);
			return -ENOMEM;
		}

		for (j = i + 1; j < pids->nr && !cmp_pid_result(&by[i], &by[j]); j++) {
			for (k = 0; k < SONDE_HIST_BUCKETS; k++)
				sum.hist[k] += by[j]->hist[k];
			sum.calls += by[j]->calls;
			sum.total_ns += by[j]->total_ns;
		}
		snprintf(pid, sizeof(pid), "%u", sum.pid);
		h.count = sum.calls;
		h.sum = sum.total_ns / NS_PER_S;
		prom_histogram(w, l, 3, &h);
		free(function);
		free(object);
	}
	free(by);
	return 0;
}

static void write_durations(struct prom_writer *w, const struct series *s, size_t nr,
			    const struct prom_buckets *b)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		struct prom_label l[] = {{"function", s[i].function}, {"object", s[i].object}};
		struct prom_hist h = {.buckets = s[i].hist,
				      .count = s[i].calls,
				      .sum = s[i].total_ns / NS_PER_S,
				      .edges = b->edges,
				      .nr_edges = b->nr_edges};

		prom_histogram(w, l, 2, &h);
	}
}

int prom_lat_write(struct prom_writer *w, const struct lat_profile *p,
		   const struct prom_buckets *b)
{
	return prom_lat_write_pids(w, p, NULL, b);
}

int prom_lat_write_pids(struct prom_writer *w, const struct lat_profile *p,
			const struct lat_pids *pids, const struct prom_buckets *b)
{
	size_t nr;
	struct series *s = make_series(p, &nr);
	int d, err = 0;

	if (!s)
		return -ENOMEM;
	prom_write_build_info(w);
	prom_family(w, "sonde_function_duration_seconds", PROM_HISTOGRAM,
		    pids ? "Wall time of each completed call of a traced function in one process, "
			   "the probes' own cost subtracted"
			 : "Wall time of each completed call of a traced function, the probes' own "
			   "cost subtracted");
	if (pids)
		err = write_pid_durations(w, pids, b);
	else
		write_durations(w, s, nr, b);
	if (err) {
		free_series(s, nr);
		return err;
	}
	counter_family(w, s, nr, "sonde_function_oncpu_seconds_total",
		       "Time traced calls spent running on a CPU", oncpu_s, NEED_SPLIT);
	counter_family(w, s, nr, "sonde_function_runqueue_seconds_total",
		       "Time traced calls spent runnable, waiting for a CPU", runq_s, NEED_SPLIT);
	counter_family(w, s, nr, "sonde_function_blocked_seconds_total",
		       "Time traced calls spent blocked (sleeping, waiting on I/O or a lock)",
		       blocked_s, NEED_SPLIT);
	counter_family(w, s, nr, "sonde_probe_hits_total",
		       "Hits of the function's entry and return probes (two per completed call)",
		       hits, NEED_NONE);
	counter_family(w, s, nr, "sonde_probe_overhead_seconds_total",
		       "CPU time the probes cost the traced program: calls times the probe cost "
		       "measured by calibration",
		       overhead_s, NEED_OVERHEAD);
	prom_family(w, "sonde_dropped_total", PROM_COUNTER,
		    "Calls or records sonde could not count, by reason");
	for (d = 0; d < SONDE_DROP__COUNT; d++) {
		struct prom_label l[] = {{"reason", drop_name(d)}};

		prom_sample(w, l, 1, (double)p->drops[d]);
	}
	free_series(s, nr);
	return w->failed ? -ENOMEM : 0;
}
