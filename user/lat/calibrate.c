// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "lat/calibrate.h"
#include "core/hist.h"
#include "core/percpu.h"
#include "sonde/lat.h"
#include "core/util.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9: a pidfd for one thread, not its process */
#endif

/*
 * The calibration's functions, in assembly so no compiler changes their
 * shape, one set per way of probing returns (both are attached for the whole
 * run). A leaf starting with push (emulated) or lea (single-stepped; ret
 * follows, so no site choice moves it), and a caller of each leaf whose own
 * entry is emulated: its window less the emulated leaf's is what a traced
 * callee adds to its caller's window.
 */
#define CALIB_FN(name, body)                                                                       \
	asm(".pushsection .text\n.globl " name "\n.type " name ", @function\n" name ":\n" body     \
	    ".size " name ", .-" name "\n.popsection\n")
#define CALIB_SET(m)                                                                               \
	CALIB_FN("sonde_calib_" m "_leaf_e", "push %rbx\n pop %rbx\n ret\n");                      \
	CALIB_FN("sonde_calib_" m "_leaf_s", "lea 1(%rdi), %rax\n ret\n");                         \
	CALIB_FN("sonde_calib_" m "_call_e",                                                       \
		 "push %rbx\n call sonde_calib_" m "_leaf_e\n pop %rbx\n ret\n");                  \
	CALIB_FN("sonde_calib_" m "_call_s",                                                       \
		 "push %rbx\n call sonde_calib_" m "_leaf_s\n pop %rbx\n ret\n")
CALIB_SET("u");
CALIB_SET("i");
void sonde_calib_u_leaf_e(void), sonde_calib_u_leaf_s(void), sonde_calib_u_call_e(void),
    sonde_calib_u_call_s(void), sonde_calib_i_leaf_e(void), sonde_calib_i_leaf_s(void),
    sonde_calib_i_call_e(void), sonde_calib_i_call_s(void);

enum { LEAF_E, LEAF_S, CALL_E, CALL_S, CALIB_FNS };
#define CALIB_MODES 2 /* [0] return probes, [1] returns probed at ret instructions */

static const struct {
	const char *name;
	void (*fn)(void);
} calib_fns[CALIB_MODES][CALIB_FNS] = {
    {{"sonde_calib_u_leaf_e", sonde_calib_u_leaf_e},
     {"sonde_calib_u_leaf_s", sonde_calib_u_leaf_s},
     {"sonde_calib_u_call_e", sonde_calib_u_call_e},
     {"sonde_calib_u_call_s", sonde_calib_u_call_s}},
    {{"sonde_calib_i_leaf_e", sonde_calib_i_leaf_e},
     {"sonde_calib_i_leaf_s", sonde_calib_i_leaf_s},
     {"sonde_calib_i_call_e", sonde_calib_i_call_e},
     {"sonde_calib_i_call_s", sonde_calib_i_call_s}},
};

/* Rounds of estimates kept: the spread between them is part of the error. */
#define CALIB_HISTORY 8
/*
 * When the background rounds come, in ms since the first: the cost moves by
 * whole microseconds within a tenth of a second on a busy machine, so a short
 * run is measured while it runs, not only before. Then every CALIB_PERIOD_S.
 */
static const unsigned int calib_early_ms[] = {0, 100, 300, 1000, 2000};
#define CALIB_PERIOD_S 5
/*
 * The most CPUs one round measures on; a machine with more is covered over
 * successive rounds, so a round's cost does not grow with the CPU count.
 */
#define CALIB_CPUS_PER_ROUND 8
/* The time each function gets: the first round's, and each later one's. */
#define CALIB_FIRST_BUDGET_NS (15 * 1000000ULL)
#define CALIB_LATER_BUDGET_NS (4 * 1000000ULL)

/* One cost of one shape over the rounds kept: what each measured, the estimate it put in force. */
struct cost_track {
	struct calib_sample hist[CALIB_HISTORY];
	__u64 used[CALIB_HISTORY];
};

struct calibrator {
	struct lat_bpf *skel;
	struct attachment *att[CALIB_MODES];
	__u32 ids[CALIB_MODES][CALIB_FNS];
	__u64 *seen; /* per id: the histogram as of the previous round */
	struct cost_track window[SONDE_SHAPES], call[SONDE_SHAPES];
	__u64 first_ns; /* when the first round was measured */
	/* The CPUs it may run on (nr_cpus 0: unknown, not pinned); where the next round starts. */
	cpu_set_t cpus;
	int nr_cpus, next_cpu;
	struct calibration cur;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool thread_started, stop, closed;
};

/* Call fn at least min_calls times, then until the budget is spent or max_calls reached. */
static void call_for(void (*volatile fn)(void), int min_calls, int max_calls, __u64 budget_ns)
{
	__u64 t0 = now_ns();
	int i, n = 0;

	while (n < max_calls && (n < min_calls || now_ns() - t0 < budget_ns))
		for (i = 0; i < 100; i++, n++)
			fn();
}

/*
 * Call mode m's functions on each CPU in turn (up to CALIB_CPUS_PER_ROUND),
 * sharing the calls and the budget between them: the cost differs between
 * CPUs at the same moment (a VM's vCPUs: ~9 us to single-step on one while
 * ~13 us on the other, its host core busy), and a traced call may run on
 * any of them, so a round's band must hold them all.
 */
static void call_on_cpus(struct calibrator *c, int m, int min_calls, __u64 budget_ns)
{
	int n = c->nr_cpus < CALIB_CPUS_PER_ROUND ? c->nr_cpus : CALIB_CPUS_PER_ROUND;
	int f, i, cpu = c->next_cpu;
	cpu_set_t one;

	if (n <= 1) {
		for (f = 0; f < CALIB_FNS; f++)
			call_for(calib_fns[m][f].fn, min_calls, 50 * min_calls, budget_ns);
		return;
	}
	for (i = 0; i < n; i++, cpu++) {
		while (!CPU_ISSET(cpu % CPU_SETSIZE, &c->cpus))
			cpu++;
		CPU_ZERO(&one);
		CPU_SET(cpu % CPU_SETSIZE, &one);
		/* Not pinned (a CPU gone offline): the calls are still measured. */
		sched_setaffinity(0, sizeof(one), &one);
		for (f = 0; f < CALIB_FNS; f++)
			call_for(calib_fns[m][f].fn, min_calls / n, 50 * min_calls / n,
				 budget_ns / n);
	}
	sched_setaffinity(0, sizeof(c->cpus), &c->cpus);
	if (m == CALIB_MODES - 1)
		c->next_cpu = cpu % CPU_SETSIZE;
}

/* The calls of id since the previous round, as a histogram (into out). */
static int new_calls(struct calibrator *c, __u32 id, __u32 slot, __u64 *out)
{
	__u64 *seen = &c->seen[(size_t)slot * SONDE_HIST_BUCKETS];
	struct percpu_value v;
	int b, err;

	err = percpu_value_init(&v, sizeof(struct sonde_func_stats));
	if (err)
		return err;
	err = percpu_value_lookup(&v, bpf_map__fd(c->skel->maps.func_stats), &id);
	if (err)
		goto cleanup;
	percpu_value_sum_u64(&v, offsetof(struct sonde_func_stats, hist), out, SONDE_HIST_BUCKETS);
	for (b = 0; b < SONDE_HIST_BUCKETS; b++) {
		__u64 total = out[b];

		out[b] = sub_floor0(total, seen[b]);
		seen[b] = total;
	}
cleanup:
	percpu_value_free(&v);
	return err;
}

/*
 * A cost is taken at its 30th percentile, not its median: what is subtracted
 * should rarely exceed what a call really paid (a 50 us spin reads 49.85-50.05
 * us at its minimum), while a 2 ns function still reads tens of ns, not the
 * ~700 ns of the raw figure. The quantiles hold against a busy machine, where
 * calls preempted mid-way are outliers, as a loop's mean time does not.
 */
struct cost {
	double q10, q30, q90;
};

static struct cost cost_of(const __u64 *hist)
{
	return (struct cost){hist_quantile(hist, 0, 0, 0.1), hist_quantile(hist, 0, 0, 0.3),
			     hist_quantile(hist, 0, 0, 0.9)};
}

static __u64 median3(__u64 a, __u64 b, __u64 c)
{
	if (a > b) {
		__u64 t = a;

		a = b;
		b = t;
	}
	return c < a ? a : c > b ? b : c;
}

static double as_ns(double v)
{
	return v > 0 ? v : 0;
}

/*
 * A round's measure, offset (the emulated leaf's estimate, for a call's
 * cost) taken off. The band is the middle 80 % of the calls, wider than
 * their distance from the 30th percentile taken, on purpose: the costs are
 * measured in sonde's own process, and a target's (another cache state,
 * another machine load) may sit anywhere in it.
 */
static struct calib_sample sample_of(struct cost k, double offset)
{
	return (struct calib_sample){(__u64)as_ns(k.q30 - offset), (__u64)as_ns(k.q10 - offset),
				     (__u64)as_ns(k.q90 - offset)};
}

/*
 * Keep round `rounds` (counted from 1) of one cost; the estimate in use is
 * the median of the last three rounds, so one disturbed round does not move
 * it, or (!in_force) the one in use before. Returns it, and its bound in *err.
 */
static __u64 track_round(struct cost_track *t, unsigned int rounds, struct calib_sample s,
			 bool in_force, __u64 *err)
{
	unsigned int n = rounds < CALIB_HISTORY ? rounds : CALIB_HISTORY;
	unsigned int last = (rounds - 1) % CALIB_HISTORY;
	__u64 est = s.est;

	t->hist[last] = s;
	if (!in_force && n >= 2)
		est = t->used[(last + CALIB_HISTORY - 1) % CALIB_HISTORY];
	else if (n >= 3)
		est = median3(s.est, t->hist[(last + CALIB_HISTORY - 1) % CALIB_HISTORY].est,
			      t->hist[(last + CALIB_HISTORY - 2) % CALIB_HISTORY].est);
	t->used[last] = est;
	*err = calib_bound_ns(t->hist, t->used, n);
	return est;
}

/*
 * One measurement of every shape (in_force: its estimate corrects the calls
 * from now on); the caller holds c->lock.
 */
static int measure(struct calibrator *c, __u64 budget_ns, int min_calls, bool in_force)
{
	__u64 hist[CALIB_FNS][SONDE_HIST_BUCKETS];
	struct calib_sample window[SONDE_SHAPES], call[SONDE_SHAPES];
	struct cost k[CALIB_FNS];
	int m, f, err = 0;

	for (m = 0; m < CALIB_MODES; m++) {
		call_on_cpus(c, m, min_calls, budget_ns);
		for (f = 0; f < CALIB_FNS && !err; f++) {
			err = new_calls(c, c->ids[m][f], (__u32)(m * CALIB_FNS + f), hist[f]);
			k[f] = cost_of(hist[f]);
		}
		if (err)
			return err;
		/* Shape: single-stepped entry | returns at ret instructions << 1. */
		window[m * 2] = sample_of(k[LEAF_E], 0);
		window[m * 2 + 1] = sample_of(k[LEAF_S], 0);
		call[m * 2] = sample_of(k[CALL_E], k[LEAF_E].q30);
		call[m * 2 + 1] = sample_of(k[CALL_S], k[LEAF_E].q30);
	}
	c->cur.rounds++;
	for (m = 0; m < SONDE_SHAPES; m++) {
		c->cur.window_ns[m] = track_round(&c->window[m], c->cur.rounds, window[m], in_force,
						  &c->cur.window_err_ns[m]);
		c->cur.call_ns[m] = track_round(&c->call[m], c->cur.rounds, call[m], in_force,
						&c->cur.call_err_ns[m]);
	}
	/* From now on every call is measured without the probes' cost as it is now. */
	memcpy(c->skel->bss->calib_window_ns, c->cur.window_ns, sizeof(c->cur.window_ns));
	memcpy(c->skel->bss->calib_call_ns, c->cur.call_ns, sizeof(c->cur.call_ns));
	return 0;
}

/* This thread made traced calls: drop its state, which no exit will free while sonde runs. */
static void forget_thread(struct lat_bpf *skel, pid_t tid)
{
	int pidfd = (int)syscall(SYS_pidfd_open, tid, tid == getpid() ? 0 : PIDFD_THREAD);

	if (pidfd < 0)
		return;
	if (!bpf_map_delete_elem(bpf_map__fd(skel->maps.threads), &pidfd))
		__sync_fetch_and_sub(&skel->bss->threads_tracked, 1);
	close(pidfd);
}

/* When the next round is due (CLOCK_MONOTONIC, as now_ns()): calib_early_ms, then every period. */
static void next_round_at(const struct calibrator *c, struct timespec *at)
{
	unsigned int done = c->cur.rounds - 1; /* background rounds so far */
	__u64 ns = now_ns();

	if (done < sizeof(calib_early_ms) / sizeof(calib_early_ms[0]))
		ns = c->first_ns + calib_early_ms[done] * 1000000ULL;
	else
		ns += CALIB_PERIOD_S * 1000000000ULL;
	at->tv_sec = (time_t)(ns / 1000000000ULL);
	at->tv_nsec = (long)(ns % 1000000000ULL);
}

static void *background(void *arg)
{
	struct calibrator *c = arg;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	struct timespec until;

	pthread_mutex_lock(&c->lock);
	while (!c->stop) {
		next_round_at(c, &until);
		while (!c->stop && pthread_cond_timedwait(&c->wake, &c->lock, &until) != ETIMEDOUT)
			;
		if (c->stop)
			break;
		/* Under the lock: a report never reads a round half done. */
		if (measure(c, CALIB_LATER_BUDGET_NS, 300, true))
			break;
		forget_thread(c->skel, tid);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/*
 * The measuring thread takes no signals: Ctrl-C, SIGTERM and SIGCHLD go to
 * the thread that waits for them, whose poll they interrupt.
 */
static int start_background(struct calibrator *c)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&c->thread, NULL, background, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	c->thread_started = !err;
	return err;
}

static int self_target(struct target *t)
{
	ssize_t n;

	target_init(t);
	t->pids[0] = getpid();
	t->nr_pids = 1;
	n = readlink("/proc/self/exe", t->exe, sizeof(t->exe) - 1);
	if (n <= 0)
		return -errno;
	t->exe[n] = '\0';
	/* Replaced on disk since it started ("... (deleted)"): the magic link still opens it. */
	if (access(t->exe, R_OK))
		snprintf(t->exe, sizeof(t->exe), "/proc/self/exe");
	return 0;
}

/* Attach one mode's four functions at ids from id_base, and note each one's id. */
static int attach_mode(struct calibrator *c, const struct probe_progs *progs, bool multi,
		       const struct target *self, int m, __u32 id_base)
{
	struct probe_spec specs[CALIB_FNS];
	struct resolve_opts ro = {.max_probes = CALIB_FNS,
				  .site_choice = true,
				  .returns = m ? RETURN_MODE_INSNS : RETURN_MODE_URETPROBE};
	struct probe_set set = {0};
	size_t i;
	int f, err;

	for (f = 0; f < CALIB_FNS; f++)
		specs[f] = (struct probe_spec){.glob = (char *)calib_fns[m][f].name};
	err = probes_resolve(self, specs, CALIB_FNS, &ro, &set);
	if (!err && set.nr != CALIB_FNS)
		err = -ENOENT;
	/* Sites are sorted by address, and attach numbers them in that order. */
	for (i = 0; !err && i < set.nr; i++)
		for (f = 0; f < CALIB_FNS; f++)
			if (!strcmp(set.sites[i].name, calib_fns[m][f].name))
				c->ids[m][f] = id_base + (__u32)i;
	if (!err)
		err = attach_probes_at(progs, multi, &set, self, id_base, &c->att[m]);
	probe_set_free(&set);
	return err;
}

int calibrator__start(struct lat_bpf *skel, const struct probe_progs *progs, bool multi,
		      __u32 id_base, struct calibrator **out)
{
	struct calibrator *c = calloc(1, sizeof(*c));
	struct target self;
	int err, m;

	if (!c)
		return -ENOMEM;
	c->skel = skel;
	pthread_mutex_init(&c->lock, NULL);
	/* Too many CPUs for a cpu_set_t: measured wherever the thread runs. */
	if (!sched_getaffinity(0, sizeof(c->cpus), &c->cpus))
		c->nr_cpus = CPU_COUNT(&c->cpus);
	c->seen = calloc((size_t)CALIB_MODES * CALIB_FNS * SONDE_HIST_BUCKETS, sizeof(*c->seen));
	err = c->seen ? self_target(&self) : -ENOMEM;
	for (m = 0; !err && m < CALIB_MODES; m++)
		err = attach_mode(c, progs, multi, &self, m, id_base + (__u32)(m * CALIB_FNS));
	if (!err)
		err = measure(c, CALIB_FIRST_BUDGET_NS, 1000, true);
	c->first_ns = now_ns();
	forget_thread(skel, getpid());
	if (c->seen)
		target_free(&self);
	if (!err) {
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&c->wake, &ca);
		pthread_condattr_destroy(&ca);
		err = start_background(c);
	}
	if (err) {
		calibrator__free(c);
		return err;
	}
	sonde_info("calibrated: probe cost in window %lluns (emulated) %lluns (single-stepped), "
		   "per traced call %lluns / %lluns; with returns at ret instructions: in window "
		   "%lluns / %lluns, per call %lluns / %lluns; re-measured while tracing",
		   (unsigned long long)c->cur.window_ns[0], (unsigned long long)c->cur.window_ns[1],
		   (unsigned long long)c->cur.call_ns[0], (unsigned long long)c->cur.call_ns[1],
		   (unsigned long long)c->cur.window_ns[2], (unsigned long long)c->cur.window_ns[3],
		   (unsigned long long)c->cur.call_ns[2], (unsigned long long)c->cur.call_ns[3]);
	*out = c;
	return 0;
}

void calibrator__hold(struct calibrator *c)
{
	pthread_mutex_lock(&c->lock);
}

void calibrator__release(struct calibrator *c)
{
	pthread_mutex_unlock(&c->lock);
}

void calibrator__close_round(struct calibrator *c)
{
	if (c->closed)
		return;
	c->closed = true;
	/* Failed: the bound lacks this round, as it did before it. */
	measure(c, CALIB_LATER_BUDGET_NS, 300, false);
	forget_thread(c->skel, (pid_t)syscall(SYS_gettid));
}

void calibrator__get(const struct calibrator *c, struct calibration *out)
{
	*out = c->cur;
}

void calibrator__free(struct calibrator *c)
{
	int m;

	if (!c)
		return;
	if (c->thread_started) {
		pthread_mutex_lock(&c->lock);
		c->stop = true;
		pthread_cond_signal(&c->wake);
		pthread_mutex_unlock(&c->lock);
		pthread_join(c->thread, NULL);
		pthread_cond_destroy(&c->wake);
	}
	for (m = 0; m < CALIB_MODES; m++)
		attachment_free(c->att[m]);
	pthread_mutex_destroy(&c->lock);
	free(c->seen);
	free(c);
}

__u64 calib_bound_ns(const struct calib_sample *rounds, const __u64 *used, unsigned int n)
{
	__u64 lo = ~0ULL, hi = 0, b = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		lo = used[i] < lo ? used[i] : lo;
		hi = used[i] > hi ? used[i] : hi;
	}
	for (i = 0; i < n; i++) {
		if (rounds[i].hi > lo && rounds[i].hi - lo > b)
			b = rounds[i].hi - lo;
		if (hi > rounds[i].lo && hi - rounds[i].lo > b)
			b = hi - rounds[i].lo;
	}
	return b;
}

__u64 calibration_error_ns(const struct calibration *c, unsigned int shape,
			   double mean_callee_cost_ns)
{
	double rel = 0;
	int s;

	if (shape >= SONDE_SHAPES)
		return 0;
	/* The callees' shapes are not kept per caller: the widest relative spread. */
	for (s = 0; s < SONDE_SHAPES; s++)
		if (c->call_ns[s] && (double)c->call_err_ns[s] / (double)c->call_ns[s] > rel)
			rel = (double)c->call_err_ns[s] / (double)c->call_ns[s];
	return c->window_err_ns[shape] + (__u64)(mean_callee_cost_ns * rel);
}
