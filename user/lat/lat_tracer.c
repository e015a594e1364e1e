// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "probe/attach.h"
#include "core/bpf_obj.h"
#include "lat/calibrate.h"
#include "lat.skel.h"
#include "lat/lat_offcpu.h"
#include "lat/lat_tracer.h"
#include "core/percpu.h"
#include "core/preempt_model.h"
#include "lat/slow_calls.h"
#include "core/test_knobs.h"
#include "core/util.h"

/* Slow-call records are ~330 bytes: 4 MiB holds ~12,000 before any is lost. */
#define SONDE_RINGBUF_BYTES (4U << 20)
/* --offcpu-stacks alone: its records (16 bytes) come once per new stack. */
#define SONDE_RINGBUF_OFFCPU_BYTES (256U << 10)

struct lat_tracer {
	struct probe_set *set;
	struct lat_bpf *skel;
	bool multi;
	struct attachment *att;
	struct bpf_links sched_links;
	bool run_delay; /* run-queue time from task->sched_info.run_delay */
	struct ring_buffer *rb;
	struct slow_printer *slow;
	struct calibrator *calib; /* NULL with --raw */
	struct lat_offcpu *offcpu; /* --offcpu-stacks; else NULL */
	/* Per function: the probes' cost to the target so far, and the calls it
	 * covers. Each read adds the new calls at the cost measured now, so the
	 * total only grows (a counter), whatever later calibrations find. And the
	 * highest on-CPU time read: derived as wall less off-CPU time, it reads
	 * low while a call's off-CPU parts are in and its wall time not yet
	 * (account_call()), and a counter must not go back (Prometheus). */
	struct probe_overhead {
		__u64 calls, ns;
		__u64 oncpu_ns;
	} *overhead;
};

static struct probe_progs lat_progs(struct lat_bpf *skel)
{
	return (struct probe_progs){
	    .multi = {[PROBE_PROG_ENTRY] = skel->progs.lat_entry_multi,
		      [PROBE_PROG_RETURN] = skel->progs.lat_return_multi,
		      [PROBE_PROG_EXIT] = skel->progs.lat_exit_multi,
		      [PROBE_PROG_ENTRY_GO] = skel->progs.lat_entry_go_multi,
		      [PROBE_PROG_EXIT_GO] = skel->progs.lat_exit_go_multi},
	    .single = {[PROBE_PROG_ENTRY] = skel->progs.lat_entry_single,
		       [PROBE_PROG_RETURN] = skel->progs.lat_return_single,
		       [PROBE_PROG_EXIT] = skel->progs.lat_exit_single,
		       [PROBE_PROG_ENTRY_GO] = skel->progs.lat_entry_go_single,
		       [PROBE_PROG_EXIT_GO] = skel->progs.lat_exit_go_single},
	};
}

/* -b with probes in libraries: count only tasks whose executable is the binary. */
static __u64 exe_filter_ino(const struct target *t, const struct probe_set *set)
{
	size_t i;

	for (i = 0; i < set->nr; i++)
		if (strcmp(set->sites[i].object, t->exe))
			return target_binary_ino(t);
	return 0;
}

/*
 * Whether the kernel counts each task's run-queue wait (sched_info.run_delay):
 * /proc/PID/schedstat exists exactly when it is built in (CONFIG_SCHED_INFO,
 * fs/proc/base.c), and before Linux 5.14 it could still be off at run time
 * (sched_info_on()), when the file reads "0 0 0". The third field counts the
 * times the task got a CPU (sched_info.pcount): at least 1 for a running
 * process when sched_info is on. Not the first, its on-CPU time, which a
 * process that has not yet met a tick or a switch since exec reads as 0.
 * Without, the run-queue time needs the sched_wakeup hook.
 */
static bool kernel_has_run_delay(void)
{
	unsigned long long oncpu = 0, delay = 0, pcount = 0;
	FILE *f;

	/* Lets the tests exercise the sched_wakeup path on a kernel with sched_info. */
	if (test_knobs()->no_run_delay)
		return false;
	f = fopen("/proc/self/schedstat", "re");
	if (!f)
		return false;
	if (fscanf(f, "%llu %llu %llu", &oncpu, &delay, &pcount) != 3)
		pcount = 0;
	fclose(f);
	return pcount > 0;
}

/*
 * --offcpu-stacks' tables: the offcpu hash, and the user stacks as sonde mem
 * keeps them (bpf/user_stack.bpf.h), SONDE_OFFCPU_STACK_DEPTH frames deep.
 * Off, they are not created: only the programs built with it use them.
 */
static int size_offcpu(struct lat_bpf *skel, bool on)
{
	int err;

	if (!on) {
		err = bpf_map__set_autocreate(skel->maps.offcpu, false);
		if (!err)
			err = bpf_map__set_autocreate(skel->maps.stacks, false);
		return err ? err : bpf_map__set_autocreate(skel->maps.stack_buf, false);
	}
	skel->rodata->stack_depth = SONDE_OFFCPU_STACK_DEPTH;
	skel->rodata->stack_id_mask = LAT_OFFCPU_STACKS - 1;
	err = bpf_map__set_max_entries(skel->maps.offcpu, LAT_OFFCPU_ENTRIES);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.stacks, LAT_OFFCPU_STACKS);
	return err ? err
		   : bpf_map__set_value_size(skel->maps.stacks,
					     SONDE_OFFCPU_STACK_DEPTH * sizeof(__u64));
}

static int load(struct lat_tracer *lt, const struct lat_tracer_opts *o, const struct target *t)
{
	struct probe_progs progs;
	struct lat_bpf *skel;
	int err;

	skel = lat_bpf__open();
	if (!skel)
		return bpf_obj_open_failed();
	lt->skel = skel;
	/* Ids must fit the cookie's id bits; no machine holds that many per-CPU stats anyway. */
	if (lt->set->nr + SONDE_CALIB_IDS > SONDE_COOKIE_ID_MASK)
		return sonde_fail(SONDE_EXIT_INPUT, "%zu functions: sonde traces at most %llu",
				  lt->set->nr, SONDE_COOKIE_ID_MASK - SONDE_CALIB_IDS);
	/* The calibration's two functions come after the traced ones. */
	err = bpf_map__set_max_entries(skel->maps.func_stats, (__u32)lt->set->nr + SONDE_CALIB_IDS);
	if (!err && o->slower_than_ns)
		err = bpf_map__set_max_entries(skel->maps.events, SONDE_RINGBUF_BYTES);
	else if (!err && o->offcpu_stacks)
		err = bpf_map__set_max_entries(skel->maps.events, SONDE_RINGBUF_OFFCPU_BYTES);
	/* Entries are allocated at each process's first call of a function
	 * (BPF_F_NO_PREALLOC): the room is a bound, not memory taken at start. */
	if (!err && o->pid_entries)
		err = bpf_map__set_max_entries(skel->maps.pid_stats, o->pid_entries);
	if (!err && o->pid_entries)
		err = bpf_map__set_map_flags(skel->maps.pid_stats, BPF_F_NO_PREALLOC);
	/* Preallocated: an entry is taken at a path's first call, in the probe. */
	if (!err && o->max_paths)
		err = bpf_map__set_max_entries(skel->maps.path_ids, o->max_paths);
	if (!err && o->max_paths)
		err = bpf_map__set_max_entries(skel->maps.path_stats, o->max_paths);
	if (!err)
		err = size_offcpu(skel, o->offcpu_stacks);
	if (err)
		goto fail;
	skel->rodata->filter_exe_ino = exe_filter_ino(t, lt->set);
	skel->rodata->filter_tgid = (__u32)target_tgid_filter(t);
	if (skel->rodata->filter_tgid && t->nr_pids > 1)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "the main thread of process %d has exited: trace it in a sonde run of "
				  "its own (one -p)",
				  (int)skel->rodata->filter_tgid);
	skel->rodata->calib_id_base = (__u32)lt->set->nr;
	skel->rodata->own_tgid = (__u32)getpid();
	skel->rodata->sched_split = o->sched;
	skel->rodata->runq_from_run_delay = lt->run_delay;
	skel->rodata->slower_than_ns = o->slower_than_ns;
	skel->rodata->per_pid = o->pid_entries > 0;
	skel->rodata->tree = o->max_paths > 0;
	skel->rodata->max_paths = o->max_paths;
	skel->rodata->stats_atomic = percpu_counters_need_atomics();
	/* --offcpu-stacks: the scheduler programs with it built in, instead. */
	bpf_program__set_autoload(skel->progs.lat_sched_switch, o->sched && !o->offcpu_stacks);
	bpf_program__set_autoload(skel->progs.lat_sched_switch_offcpu, o->sched && o->offcpu_stacks);
	bpf_program__set_autoload(skel->progs.lat_sched_exit, !o->offcpu_stacks);
	bpf_program__set_autoload(skel->progs.lat_sched_exit_offcpu, o->offcpu_stacks);
	bpf_program__set_autoload(skel->progs.lat_sched_wakeup, o->sched && !lt->run_delay);
	progs = lat_progs(skel);
	attach_select_progs(&progs, lt->multi);
	err = lat_bpf__load(skel);
	if (err)
		goto fail;
	return 0;
fail:
	return bpf_obj_load_failed(err);
}

static int attach_sched(struct lat_tracer *lt, bool sched)
{
	/* Exits and execs end a thread's calls whatever --no-sched says; the
	 * others are loaded as load() chose. */
	struct bpf_program *progs[] = {
	    lt->skel->progs.lat_sched_exit,	   lt->skel->progs.lat_sched_exit_offcpu,
	    lt->skel->progs.lat_exec,		   lt->skel->progs.lat_sched_switch,
	    lt->skel->progs.lat_sched_switch_offcpu, lt->skel->progs.lat_sched_wakeup};
	int err;

	err = bpf_links_attach(&lt->sched_links, progs, sizeof(progs) / sizeof(progs[0]));
	if (err)
		return err;
	if (sched && lt->run_delay)
		sonde_info("run-queue time from the kernel's per-task run_delay (sched_info)");
	else if (sched)
		sonde_info("run-queue time from the sched_wakeup hook (no sched_info run_delay)");
	return 0;
}

/* ring_buffer_sample_fn: each record to its reader, by type. */
static int handle_record(void *ctx, void *data, size_t len)
{
	struct lat_tracer *lt = ctx;
	const struct sonde_rec_offcpu *r = data;

	if (len >= sizeof(__u32) && r->type == SONDE_REC_SLOW_CALL && lt->slow)
		return slow_printer__handle(lt->slow, data, len);
	/* Not named: the next look at the table names it. */
	if (len >= sizeof(*r) && r->type == SONDE_REC_OFFCPU_STACK && lt->offcpu)
		lat_offcpu__note(lt->offcpu, r->tgid, r->stack_id);
	return 0;
}

static int open_events(struct lat_tracer *lt, const struct lat_tracer_opts *o)
{
	if (o->offcpu_stacks &&
	    !(lt->offcpu = lat_offcpu__new(bpf_map__fd(lt->skel->maps.offcpu),
					   bpf_map__fd(lt->skel->maps.stacks), lt->set)))
		return -ENOMEM;
	if (o->slower_than_ns && !(lt->slow = slow_printer__new(lt->set, o->json, stdout)))
		return -ENOMEM;
	if (o->slow_stacks && lt->slow)
		slow_printer__keep_stacks(lt->slow);
	if (!lt->slow && !lt->offcpu)
		return 0;
	return bpf_obj_ring_buffer(bpf_map__fd(lt->skel->maps.events), handle_record, lt, &lt->rb);
}

int lat_tracer__open(const struct lat_tracer_opts *o, struct probe_set *set,
		     const struct target *t, struct lat_tracer **out)
{
	struct lat_tracer *lt = calloc(1, sizeof(*lt));
	struct probe_progs progs;
	__u64 t0;
	int err;

	if (!lt)
		return -ENOMEM;
	lt->set = set;
	if (!(lt->overhead = calloc(set->nr ? set->nr : 1, sizeof(*lt->overhead)))) {
		free(lt);
		return -ENOMEM;
	}
	lt->multi = attach_use_multi();
	lt->run_delay = o->sched && kernel_has_run_delay();
	err = load(lt, o, t);
	if (!err)
		err = open_events(lt, o);
	/* Scheduler hooks first, so a thread's state exists before its first call. */
	if (!err)
		err = attach_sched(lt, o->sched);
	if (err)
		goto fail;
	progs = lat_progs(lt->skel);
	if (!o->raw) {
		err = calibrator__start(lt->skel, &progs, lt->multi, (__u32)set->nr, &lt->calib);
		if (err) {
			err = sonde_fail(SONDE_EXIT_SYSTEM, "calibration failed: %s (try --raw)",
					 strerror(-err));
			goto fail;
		}
	}
	t0 = now_ns();
	err = attach_probes(&progs, lt->multi, set, t, &lt->att);
	if (!err && !probe_set_nr_probed(set))
		err = sonde_fail(SONDE_EXIT_SYSTEM,
				 "the kernel refused every probe (see: sonde list, and -v)");
	if (err)
		goto fail;
	sonde_info("attached %zu functions in %.3f s", probe_set_nr_probed(set),
		   (now_ns() - t0) / 1e9);
	*out = lt;
	return 0;
fail:
	lat_tracer__close(lt);
	return err;
}

void lat_tracer__close(struct lat_tracer *lt)
{
	__u64 t0 = now_ns();

	if (!lt)
		return;
	if (lt->att) {
		attachment_free(lt->att);
		sonde_info("detached in %.3f s", (now_ns() - t0) / 1e9);
		/* Records submitted between the last drain and the detach. */
		lat_tracer__drain(lt);
	}
	calibrator__free(lt->calib);
	bpf_links_free(&lt->sched_links);
	ring_buffer__free(lt->rb);
	slow_printer__free(lt->slow);
	lat_offcpu__free(lt->offcpu);
	lat_bpf__destroy(lt->skel);
	free(lt->overhead);
	free(lt);
}

size_t lat_tracer__nr_links(const struct lat_tracer *lt)
{
	return attachment_nr_links(lt->att);
}

bool lat_tracer__multi(const struct lat_tracer *lt)
{
	return lt->multi;
}

int lat_tracer__events_fd(const struct lat_tracer *lt)
{
	return lt->rb ? ring_buffer__epoll_fd(lt->rb) : -1;
}

int lat_tracer__drain(struct lat_tracer *lt)
{
	return bpf_obj_drain(lt->rb);
}

const struct slow_printer *lat_tracer__slow(const struct lat_tracer *lt)
{
	return lt->slow;
}

int lat_tracer__poll_offcpu(struct lat_tracer *lt)
{
	return lt->offcpu ? lat_offcpu__poll(lt->offcpu) : 0;
}

int lat_tracer__read_offcpu(struct lat_tracer *lt, struct lat_profile *p)
{
	return lt->offcpu ? lat_offcpu__read(lt->offcpu, p) : 0;
}

/* The calibration's index of a site's probe shape (sonde/cookie.h). */
static unsigned int site_shape(const struct probe_site *site)
{
	return (site->choice.emulated ? 0 : 1) | (site->ret == PROBE_RET_INSNS ? 2 : 0);
}

static void add_cpu(struct func_result *f, const struct sonde_func_stats *s)
{
	int b;

	f->total_ns += s->total_ns;
	f->runq_ns += s->runq_ns;
	f->blocked_ns += s->blocked_ns;
	if (s->max_ns > f->max_ns)
		f->max_ns = s->max_ns;

	for (b = 0; b < SONDE_HIST_BUCKETS; b++) {
		f->calls += s->hist[b];
		f->hist[b] += s->hist[b];
		f->offcpu_hist[b] += s->offcpu_hist[b];
	}
}

/* What account_call() in lat.bpf.c leaves to be derived from the sums. */
static void derive_sched_split(struct func_result *f)
{
	__u64 off_calls = 0, off_ns = f->runq_ns + f->blocked_ns;
	int b;

	for (b = 0; b < SONDE_HIST_BUCKETS; b++)
		off_calls += f->offcpu_hist[b];
	/* Read while the programs run: a call may be in one sum and not yet in another. */
	f->offcpu_hist[sonde_bucket_of_ns(0)] += sub_floor0(f->calls, off_calls);
	f->oncpu_ns = sub_floor0(f->total_ns, off_ns);
}

static __u64 add_overhead(struct probe_overhead *o, __u64 calls, __u64 call_ns)
{
	if (calls > o->calls) {
		o->ns += (calls - o->calls) * call_ns;
		o->calls = calls;
	}
	return o->ns;
}

void lat_tracer__end(struct lat_tracer *lt)
{
	if (!lt->calib)
		return;
	calibrator__hold(lt->calib);
	/* Every traced thread has exited (a command's run is over): bracket their last calls. */
	if (lt->skel->bss->threads_tracked &&
	    lt->skel->bss->threads_freed == lt->skel->bss->threads_tracked)
		calibrator__close_round(lt->calib);
	calibrator__release(lt->calib);
}

int lat_tracer__read(struct lat_tracer *lt, struct lat_profile *p)
{
	int fd = bpf_map__fd(lt->skel->maps.func_stats);
	const struct probe_set *set = lt->set;
	struct calibration cal = {0};
	struct percpu_value percpu;
	__u64 min_not, callee_ns, probe_cost_ns;
	int cpu, err;
	size_t k = 0;
	__u32 id;

	err = percpu_value_init(&percpu, sizeof(struct sonde_func_stats));
	if (err)
		return err;
	/* No calibration round half done: its thread is in no count read here. */
	if (lt->calib)
		calibrator__hold(lt->calib);
	memcpy(p->drops, lt->skel->bss->drops, sizeof(p->drops));
	p->threads_tracked = lt->skel->bss->threads_tracked;
	p->threads_freed = lt->skel->bss->threads_freed;
	p->sched_resyncs = lt->skel->bss->sched_resyncs;
	p->sched = lt->skel->rodata->sched_split;
	p->offcpu = lt->offcpu != NULL;
	p->corrected = lt->calib != NULL;
	if (lt->calib)
		calibrator__get(lt->calib, &cal);
	memcpy(p->calib_window_ns, cal.window_ns, sizeof(p->calib_window_ns));
	memcpy(p->calib_call_ns, cal.call_ns, sizeof(p->calib_call_ns));
	/* Functions the kernel refused at attach are not in the profile: nothing measured them. */
	for (id = 0; id < set->nr && k < p->nr_funcs; id++) {
		struct func_result *f = &p->funcs[k];

		if (set->sites[id].refused_at_attach)
			continue;
		k++;
		err = percpu_value_lookup(&percpu, fd, &id);
		if (err)
			break;
		memset(f, 0, sizeof(*f));
		f->object = object_shown_path(set->sites[id].object);
		f->name = set->sites[id].name;
		f->mangled = set->sites[id].mangled;
		for (cpu = 0, min_not = 0, callee_ns = 0, probe_cost_ns = 0; cpu < percpu.nr_cpus;
		     cpu++) {
			const struct sonde_func_stats *s = percpu_value_at(&percpu, cpu);

			add_cpu(f, s);
			callee_ns += s->callee_ns;
			probe_cost_ns += s->probe_cost_ns;
			/* The kernel keeps ~(the shortest call) (0: none on that CPU). */
			if (s->min_ns_not > min_not)
				min_not = s->min_ns_not;
		}
		f->min_ns = min_not ? ~min_not : 0;
		/* The kernel keeps the time in traced callees (leaf calls add nothing). */
		f->self_ns = sub_floor0(f->total_ns, callee_ns);
		if (lt->calib)
			f->error_ns = calibration_error_ns(
			    &cal, site_shape(&set->sites[id]),
			    f->calls ? (double)probe_cost_ns / (double)f->calls : 0);
		if (lt->calib)
			f->overhead_ns = add_overhead(&lt->overhead[id], f->calls,
						      cal.call_ns[site_shape(&set->sites[id])]);
		f->no_split = set->sites[id].go;
		if (p->sched && !f->no_split) {
			derive_sched_split(f);
			if (f->oncpu_ns < lt->overhead[id].oncpu_ns)
				f->oncpu_ns = lt->overhead[id].oncpu_ns;
			lt->overhead[id].oncpu_ns = f->oncpu_ns;
		}
	}
	p->nr_funcs = k;
	if (lt->calib)
		calibrator__release(lt->calib);
	percpu_value_free(&percpu);
	return err;
}

int lat_tracer__read_pids(struct lat_tracer *lt, struct lat_pids *p)
{
	return lat_pids_read(p, bpf_map__fd(lt->skel->maps.pid_stats), lt->set);
}

int lat_tracer__read_tree(struct lat_tracer *lt, struct lat_tree **out)
{
	__u32 used = lt->skel->bss->paths_used, max = lt->skel->rodata->max_paths;

	/* Ids past the table's end were counted as drops, never used. */
	if (max < SONDE_PATH_FIRST)
		used = 0;
	else if (used > max - SONDE_PATH_FIRST)
		used = max - SONDE_PATH_FIRST;
	return lat_tree_read(out, bpf_map__fd(lt->skel->maps.path_ids),
			     bpf_map__fd(lt->skel->maps.path_stats), used, lt->set);
}
