// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "calibrate.h"
#include "hist.h"
#include "sonde/lat.h"
#include "util.h"

/* Empty but for a clobber that gives it a `push %rbx` prologue: an emulated probe site. */
__attribute__((noinline, used)) void sonde_calib_emulated(void)
{
	asm volatile("" ::: "rbx", "memory");
}

/*
 * Starts with lea, which the kernel single-steps, and ret follows: no site
 * choice can move this probe. Written in assembly so no compiler changes it.
 */
void sonde_calib_stepped(void);
asm(".pushsection .text\n"
    ".globl sonde_calib_stepped\n"
    ".type sonde_calib_stepped, @function\n"
    "sonde_calib_stepped:\n"
    "	lea 1(%rdi), %rax\n"
    "	ret\n"
    ".size sonde_calib_stepped, .-sonde_calib_stepped\n"
    ".popsection\n");

#define CALIB_CALLS_EMULATED 20000
#define CALIB_CALLS_STEPPED  2000

/* ns per call of fn, called n times through a volatile pointer. */
static double time_calls(void (*volatile fn)(void), int n)
{
	__u64 t0 = now_ns();
	int i;

	for (i = 0; i < n; i++)
		fn();
	return (double)(now_ns() - t0) / n;
}

/*
 * The in-window cost is taken at its 30th percentile, not its median: what is
 * subtracted should rarely exceed what a call really paid (a 50 us spin reads
 * 49.85-50.05 us at its minimum), while a 2 ns function still reads tens of ns,
 * not the ~700 ns of the raw figure.
 */
static int low_quantile_of(struct lat_bpf *skel, __u32 id, __u64 *out)
{
	int ncpu = libbpf_num_possible_cpus(), cpu, b;
	struct sonde_func_stats *v = calloc(ncpu > 0 ? ncpu : 1, sizeof(*v));
	__u64 *hist = calloc(SONDE_HIST_BUCKETS, sizeof(*hist));
	int err = 0;

	if (!v || !hist) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.func_stats), &id, v)) {
		err = -errno;
		goto cleanup;
	}
	for (cpu = 0; cpu < ncpu; cpu++)
		for (b = 0; b < SONDE_HIST_BUCKETS; b++)
			hist[b] += v[cpu].hist[b];
	*out = (__u64)hist_quantile(hist, 0, 0, 0.3);
cleanup:
	free(v);
	free(hist);
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

/* sonde's own thread made traced calls: drop its state, which no exit will free. */
static void forget_own_thread(struct lat_bpf *skel)
{
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);

	if (pidfd < 0)
		return;
	if (!bpf_map_delete_elem(bpf_map__fd(skel->maps.threads), &pidfd))
		__sync_fetch_and_sub(&skel->bss->threads_tracked, 1);
	close(pidfd);
}

/* One pass: both functions, their returns seen one way; ids id_base, id_base + 1. */
static int calibrate_returns(struct lat_bpf *skel, const struct probe_progs *progs, bool multi,
			     __u32 id_base, enum return_mode returns, struct calibration *out)
{
	struct probe_spec specs[2] = {{.glob = "sonde_calib_emulated"},
				      {.glob = "sonde_calib_stepped"}};
	struct resolve_opts ro = {.max_probes = 2, .site_choice = true, .returns = returns};
	void (*fns[2])(void) = {sonde_calib_emulated, sonde_calib_stepped};
	const int calls[2] = {CALIB_CALLS_EMULATED, CALIB_CALLS_STEPPED};
	struct probe_set set = {0};
	struct attachment *att = NULL;
	double untraced[2], traced;
	struct target self;
	int err, k, shape;
	size_t i;

	err = self_target(&self);
	if (!err)
		err = probes_resolve(&self, specs, 2, &ro, &set);
	for (k = 0; !err && k < 2; k++)
		untraced[k] = time_calls(fns[k], calls[k]);
	if (!err)
		err = attach_probes_at(progs, multi, &set, &self, id_base, &att);
	for (i = 0; !err && i < set.nr; i++) {
		/* Sites are sorted by address; find each one's function. */
		k = strcmp(set.sites[i].name, "sonde_calib_emulated") ? 1 : 0;
		shape = (set.sites[i].choice.emulated ? 0 : 1) |
			(set.sites[i].ret == PROBE_RET_INSNS ? 2 : 0);
		traced = time_calls(fns[k], calls[k]);
		out->call_ns[shape] = traced > untraced[k] ? (__u64)(traced - untraced[k]) : 0;
		err = low_quantile_of(skel, id_base + (__u32)i, &out->window_ns[shape]);
	}
	attachment_free(att);
	forget_own_thread(skel);
	probe_set_free(&set);
	target_free(&self);
	return err;
}

int calibrate(struct lat_bpf *skel, const struct probe_progs *progs, bool multi, __u32 id_base,
	      struct calibration *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = calibrate_returns(skel, progs, multi, id_base, RETURN_MODE_URETPROBE, out);
	if (!err)
		err = calibrate_returns(skel, progs, multi, id_base + 2, RETURN_MODE_INSNS, out);
	if (!err)
		sonde_info(
		    "calibrated: probe cost in window %lluns (emulated) %lluns (single-stepped); "
		    "per traced call %lluns / %lluns; with returns at ret instructions: in "
		    "window %lluns / %lluns, per call %lluns / %lluns",
		    (unsigned long long)out->window_ns[0], (unsigned long long)out->window_ns[1],
		    (unsigned long long)out->call_ns[0], (unsigned long long)out->call_ns[1],
		    (unsigned long long)out->window_ns[2], (unsigned long long)out->window_ns[3],
		    (unsigned long long)out->call_ns[2], (unsigned long long)out->call_ns[3]);
	return err;
}
