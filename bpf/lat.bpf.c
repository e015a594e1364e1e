// SPDX-License-Identifier: GPL-2.0
/*
 * sonde lat: per-function latency from entry/return uprobes, split into
 * on-CPU, run-queue and blocked time by sched_switch and the kernel's
 * per-task run-queue wait, or sched_wakeup where the kernel keeps none
 * (thread_time.bpf.h).
 *
 * Each traced function has an id (the attach cookie). The entry probe pushes
 * {id, start, the thread's switch count} on a per-thread call stack kept in
 * task storage (the thread's time totals at entry are added by sched_switch,
 * for the calls that leave the CPU: snap_new_frames()); the return probe pops
 * it and adds the call to the function's per-CPU totals and histograms. A
 * callee's wall time is added to its caller's frame so the caller's self
 * time excludes it. With --tree each frame also has the id of its call path
 * (path_enter()), and its return adds the call to that path's totals too.
 *
 * Where a return probe (uretprobe) would break the program, the return is
 * seen by probes on the function's return instructions instead (exit
 * programs, user/probe/exit_sites.c), which find the same stack pointer. Go calls
 * are paired per goroutine (go_stack), not per thread: a goroutine moves
 * between threads and its stack is copied to grow.
 */
#include "vmlinux.h"
#include "sonde/cookie.h"
#include "sonde/lat.h"
#define SONDE_DROP_KINDS SONDE_DROP__COUNT
#include "common.bpf.h"
#include "percpu_add.bpf.h"
#include "thread_time.bpf.h"
#include "lat_offcpu.bpf.h"

/*
 * filter_exe_ino (common.bpf.h) is set with -b and library probes. filter_tgid:
 * non-zero for a -p process whose main thread has exited: the kernel's pid
 * filter for uprobe_multi compares the leader's mm, NULL in a zombie, so its
 * probes are attached without one and the process is told apart here.
 */
const volatile __u32 filter_tgid = 0;
/* The scheduler split (off with --no-sched: the probes skip its bookkeeping). */
const volatile bool sched_split = true;
/*
 * Run-queue time from task->sched_info.run_delay; the loader clears it on a
 * kernel without CONFIG_SCHED_INFO and attaches lat_sched_wakeup instead.
 */
const volatile bool runq_from_run_delay = true;
/* --slower-than: calls at least this long go to the ring buffer; 0 = off. */
const volatile __u64 slower_than_ns = 0;

/*
 * The probes' own cost, measured by the loader at start (calibration) and
 * subtracted from every call unless --raw; indexed by the probe's shape
 * (SONDE_COOKIE_SHAPE_SHIFT: single-stepped entry, returns probed at ret
 * instructions). window: the part inside a call's own measured window;
 * call: all of it, which lands in the window of each traced caller.
 */
__u64 calib_window_ns[SONDE_SHAPES] = {};
__u64 calib_call_ns[SONDE_SHAPES] = {};
/*
 * The calibration's functions, in sonde's own process, have the ids from
 * calib_id_base on: their calls are kept raw (they are what the costs are
 * measured from), are never slow calls, and pass the -p/-b filters.
 */
const volatile __u32 calib_id_base = 0xffffffff;
const volatile __u32 own_tgid = 0;
/* Per-thread states created and freed: equal once every traced thread has exited. */
__u64 threads_tracked = 0;
__u64 threads_freed = 0;

/*
 * One traced call in progress. Every traced call writes its frame and reads
 * it back, so frames hold only that, packed (48 bytes: the top frames and the
 * thread's depth share few cache lines; 40 before --tree's path id, which
 * measured no slower: make bench); what only calls that leave the CPU
 * need is in sonde_thread.time_at_entry[].
 */
struct sonde_frame {
	__u64 start_ns;
	__u64 sp;	     /* stack pointer at entry: where the return address is */
	__u64 child_ns;	     /* corrected wall time spent in traced callees */
	__u64 probe_cost_ns; /* probe cost of the traced calls made inside this one */
	__u32 site;	/* the cookie's low half: function id and probe shape */
	__u32 switches; /* the thread's switch-outs before the entry */
	/* --tree: its call path's id, SONDE_PATH_FOLDED set when it is a direct
	 * recursion folded into its caller's path; 0 without --tree. */
	__u32 path;
	__u32 pad;
};

_Static_assert((SONDE_COOKIE_ID_MASK | SONDE_COOKIE_STEPPED | SONDE_COOKIE_INSNS) <= 0xffffffffULL &&
		       SONDE_SHAPES == 1 << (32 - SONDE_COOKIE_SHAPE_SHIFT),
	       "a frame's site holds the id and the probe's shape");

struct sonde_thread {
	__u32 depth;	/* may exceed SONDE_MAX_DEPTH: frames past it are not kept */
	__u32 switches; /* times sched_switch took it off a CPU (wraps) */
	struct sonde_frame frames[SONDE_MAX_DEPTH];
	/* Frame i's thread times at its entry: taken at the thread's first
	 * switch-out after it (snap_new_frames()), when it has one. */
	struct sonde_time_snap time_at_entry[SONDE_MAX_DEPTH];
	struct sonde_thread_time time;
	struct sonde_offcpu_span offcpu; /* --offcpu-stacks */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sonde_thread);
} threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* resized by the loader to the number of functions */
	__type(key, __u32);
	__type(value, struct sonde_func_stats);
} func_stats SEC(".maps");

static __always_inline bool task_is_filtered_out(struct task_struct *task)
{
	if (!filter_exe_ino && !filter_tgid)
		return false;
	if ((__u32)task->tgid == own_tgid)
		return false;
	if (filter_tgid)
		return (__u32)task->tgid != filter_tgid;
	return task_runs_other_exe(task);
}

static __always_inline struct sonde_thread *thread_get_or_create(struct task_struct *task,
								 __u64 now)
{
	struct sonde_thread *t;

	t = bpf_task_storage_get(&threads, task, NULL, 0);
	if (t)
		return t;
	t = task_state_create(&threads, task, SONDE_DROP_NO_STORAGE);
	if (!t)
		return NULL;
	__sync_fetch_and_add(&threads_tracked, 1);
	thread_time_init(&t->time, now);
	return t;
}

/*
 * Frames left without a return: where returns are probed at the exit
 * instructions (C++, Go, JIT code), an exception, a panic or a longjmp
 * unwound them; where a return probe waited, a longjmp did. Rare: only when
 * a frame is dropped.
 */
static __always_inline void count_left(__u32 site)
{
	count_drop(site & SONDE_COOKIE_INSNS ? SONDE_DROP_UNWOUND : SONDE_DROP_MISSED_RETURN);
}

/* How far down the stack a return looks for its entry before calling it an orphan. */
#define SONDE_UNWIND_LOOKBACK 8
/* Frames further than this from a new call's sp are on another stack (sigaltstack,
 * a coroutine's): never judged dead by comparing stack pointers. */
#define SONDE_SAME_STACK_BYTES (8ULL << 20)

/*
 * A call entered at the top frame's own sp whose return address is already
 * the uretprobe trampoline: the top frame jumped to it (a tail call, `jmp
 * ngx_http_handler`) and is live, its return address taken over by its
 * return probe. Both return through the trampoline at once, the callee
 * first. At a fresh call's entry the return address is still the real one:
 * the entry programs run before the kernel takes it over.
 */
static __always_inline bool is_tail_call(struct task_struct *task, __u64 sp)
{
	__u64 ra = 0, trampoline = BPF_CORE_READ(task, mm, uprobes_state.xol_area, vaddr);

	return trampoline && !bpf_probe_read_user(&ra, sizeof(ra), (void *)sp) &&
	       ra == trampoline;
}

/*
 * A live caller's frame always has a higher sp than a new call, but for a
 * tail call. Frames at or below it were left by calls that never returned
 * through their return probe (longjmp out of them): drop them now, counted,
 * so the new call gets its real caller and a thread that keeps longjmp-ing
 * never fills its stack. Returns the depth to push at.
 */
static __always_inline __u32 drop_dead_frames(struct task_struct *task, struct sonde_thread *t,
					      __u64 sp)
{
	__u32 d = t->depth, i, dropped = 0;

	for (i = 0; i < SONDE_UNWIND_LOOKBACK && d > 0 && d <= SONDE_MAX_DEPTH; i++) {
		const struct sonde_frame *top = &t->frames[(d - 1) & (SONDE_MAX_DEPTH - 1)];

		if (top->sp > sp || sp - top->sp > SONDE_SAME_STACK_BYTES)
			break;
		if (top->sp == sp && is_tail_call(task, sp))
			break;
		count_left(top->site);
		d--;
		dropped++;
	}
	if (dropped)
		t->depth = d;
	return d;
}

#include "lat_tree.bpf.h"

static __always_inline int on_entry(void *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 cookie = bpf_get_attach_cookie(ctx);
	struct task_struct *task;
	struct sonde_frame *f;
	struct sonde_thread *t;
	__u64 sp;
	__u32 d;

	task = bpf_get_current_task_btf();
	if (task_is_filtered_out(task))
		return 0;
	t = thread_get_or_create(task, now);
	if (!t)
		return 0;
	sp = call_sp(ctx);
	d = drop_dead_frames(task, t, sp);
	if (d >= SONDE_MAX_DEPTH) {
		/* Keep counting so the matching returns unwind to the right frame. */
		t->depth = d + 1;
		count_drop(SONDE_DROP_DEPTH);
		return 0;
	}
	f = &t->frames[d];
	f->site = (__u32)cookie;
	f->sp = sp;
	f->start_ns = now;
	f->child_ns = 0;
	f->probe_cost_ns = 0;
	f->switches = t->switches;
	f->path = tree ? path_enter(t, d, f->site) : SONDE_PATH_NONE;
	/* The frame's count is there before sched_switch can see the frame. */
	barrier();
	t->depth = d + 1;
	/*
	 * Switched out since it read t->switches (a preemptible kernel, in this
	 * program) and maybe before the frame was there to be snapshotted: the
	 * snapshot now keeps that off-CPU time, the probe's own, out of the
	 * call's off-CPU parts (its wall time, and so its on-CPU part, has it).
	 */
	barrier();
	if (sched_split && f->switches != t->switches) {
		thread_time_running(&t->time, now);
		thread_time_snap(&t->time, task, runq_from_run_delay, &t->time_at_entry[d]);
	}
	return 0;
}

struct sonde_call {
	__u32 id;
	__u64 wall, self;
	__u64 probe_cost; /* the traced callees' probe cost taken off wall */
	struct sonde_split split;
};

static __always_inline void add_to_hist(bool atomic, __u64 *hist, __u64 ns)
{
	__u32 b = sonde_bucket_of_ns(ns);

	/* Already in range, but clang drops the check the verifier needs unless told not to. */
	barrier_var(b);
	if (b >= SONDE_HIST_BUCKETS)
		b = SONDE_HIST_BUCKETS - 1;
	percpu_add_as(atomic, &hist[b], 1);
}

/*
 * The probes ran on this CPU: their cost comes off the on-CPU part, which is
 * therefore the corrected wall time less the off-CPU parts. Only where those
 * exceed it - a call that ran for less than the probe cost between its
 * sleeps - are they cut to fit. User space derives the on-CPU sum the same
 * way, and the BPF side keeps no atomic add for it.
 */
static __always_inline void fit_split_to_wall(struct sonde_split *sp, __u64 wall)
{
	if (sp->runq_ns > wall)
		sp->runq_ns = wall;
	if (sp->blocked_ns > wall - sp->runq_ns)
		sp->blocked_ns = wall - sp->runq_ns;
	sp->oncpu_ns = wall - sp->runq_ns - sp->blocked_ns;
}

/*
 * Per-CPU values, but a preemptible kernel may switch tasks in the middle of
 * this program on the same CPU; there percpu_add() is atomic and costs ~9 ns,
 * so what user space can derive is not kept: the calls (the histogram's sum),
 * the self time (total less the time in traced callees, which leaf calls do
 * not add to), the on-CPU time (fit_split_to_wall()), and the off-CPU
 * histogram's zero bucket (calls that never left the CPU).
 *
 * The off-CPU parts go in first: user space copies total_ns and hist[]
 * before them (lower in the struct), so a copy that has this call's wall
 * time has its off-CPU parts too, and a snapshot taken meanwhile may count
 * the call's on-CPU time low, never its off-CPU time as on-CPU (plain adds:
 * the barrier keeps the compiler to that order, x86 keeps stores in order).
 * Most calls never leave the CPU: no adds of zeros.
 */
static __always_inline void account_call(struct sonde_func_stats *s, const struct sonde_call *c,
					 bool split)
{
	const bool atomic = stats_atomic;

	if (split && (c->split.runq_ns | c->split.blocked_ns)) {
		if (c->split.runq_ns)
			percpu_add_as(atomic, &s->runq_ns, c->split.runq_ns);
		if (c->split.blocked_ns)
			percpu_add_as(atomic, &s->blocked_ns, c->split.blocked_ns);
		add_to_hist(atomic, s->offcpu_hist, c->split.runq_ns + c->split.blocked_ns);
		barrier();
	}
	percpu_add_as(atomic, &s->total_ns, c->wall);
	if (c->wall != c->self)
		percpu_add_as(atomic, &s->callee_ns, c->wall - c->self);
	if (c->probe_cost)
		percpu_add_as(atomic, &s->probe_cost_ns, c->probe_cost);
	if (c->wall > s->max_ns)
		s->max_ns = c->wall;
	/* Kept as the largest ~wall: 0 still means "no call yet", and one compare does. */
	if (~c->wall > s->min_ns_not)
		s->min_ns_not = ~c->wall;
	add_to_hist(atomic, s->hist, c->wall);
}

static __always_inline void emit_slow_call(void *ctx, const struct sonde_call *c, __u64 now)
{
	struct sonde_rec_slow *r;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	long n;

	r = events_reserve(sizeof(*r), SONDE_DROP_RINGBUF);
	if (!r)
		return;
	r->type = SONDE_REC_SLOW_CALL;
	r->id = c->id;
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->end_ns = now;
	r->wall_ns = c->wall;
	r->oncpu_ns = c->split.oncpu_ns;
	r->runq_ns = c->split.runq_ns;
	r->blocked_ns = c->split.blocked_ns;
	r->pad = 0;
	/* After the return, the user stack starts at the caller. Frame pointers only. */
	n = bpf_get_stack(ctx, r->frames, sizeof(r->frames), BPF_F_USER_STACK);
	r->nr_frames = n > 0 ? (__u32)(n / sizeof(__u64)) : 0;
	bpf_ringbuf_submit(r, 0);
}

/*
 * The index of the frame a return at entry_sp pops, or -1. Matched by stack
 * pointer, not by function id: it needs no cookie lookup, and it tells stale
 * frames apart exactly. Frames deeper than this return (a lower sp) belong to
 * calls whose return never fired (longjmp, C++ exceptions): dropped, counted.
 * A frame shallower than it means this return's entry was never seen
 * (attached mid-call).
 */
/* The n frames above the one a return pops never returned: count them. */
static __always_inline void drop_left_above(const struct sonde_thread *t, __u32 d, __u32 n)
{
	__u32 i;

	for (i = 0; i < SONDE_UNWIND_LOOKBACK && i < n; i++)
		count_left(t->frames[(d - 1 - i) & (SONDE_MAX_DEPTH - 1)].site);
}

static __always_inline int find_frame(const struct sonde_thread *t, __u32 d, __u64 entry_sp)
{
	__u32 i;

	for (i = 0; i < SONDE_UNWIND_LOOKBACK && i < d; i++) {
		__u64 sp = t->frames[(d - 1 - i) & (SONDE_MAX_DEPTH - 1)].sp;

		if (sp == entry_sp) {
			drop_left_above(t, d, i);
			return (int)(d - 1 - i);
		}
		if (sp > entry_sp)
			break;
	}
	return -1;
}

/*
 * The shape whose costs the calibration measured for this call: its entry's,
 * and how it left. A jmp exit is emulated: about a return probe's cost, not a
 * single-stepped ret's.
 */
static __always_inline __u32 exit_shape(__u32 site, __u64 exit_cookie)
{
	__u32 shape = site >> SONDE_COOKIE_SHAPE_SHIFT;

	if (exit_cookie & SONDE_COOKIE_EXIT_EMULATED)
		shape &= (__u32)(SONDE_COOKIE_STEPPED >> SONDE_COOKIE_SHAPE_SHIFT);
	return shape;
}

/*
 * A call's wall and self time, without the probes' own cost: its own
 * (calib_window_ns, by its probe's shape) and that of the traced calls made
 * inside it. A cost estimate above what the call really paid (the machine's
 * speed drifts; each hit costs a little more or less) never makes it read
 * below its traced callees: they ran inside it. Its parent then owes its
 * wall time and the probe cost it paid.
 */
static __always_inline void call_times(struct sonde_call *c, __u64 now, __u64 start_ns,
				       __u64 child_ns, __u64 probe_cost_ns, __u32 shape)
{
	__u64 overhead = calib_window_ns[shape] + probe_cost_ns;

	if (c->id >= calib_id_base)
		overhead = probe_cost_ns = 0;
	c->probe_cost = probe_cost_ns;
	c->wall = now - start_ns;
	c->wall = c->wall > overhead ? c->wall - overhead : 0;
	if (c->wall < child_ns)
		c->wall = child_ns;
	c->self = c->wall - child_ns;
}

static __always_inline void charge_parent(__u64 *child_ns, __u64 *probe_cost_ns,
					  const struct sonde_call *c, __u64 callee_probe_cost_ns,
					  __u32 shape)
{
	*child_ns += c->wall;
	*probe_cost_ns += calib_call_ns[shape] + callee_probe_cost_ns;
}

#include "lat_pid.bpf.h"

/* Into the function's totals (s: its per-CPU stats), and to the ring buffer if slow. */
static __always_inline void finish_call(void *ctx, struct sonde_func_stats *s,
					const struct sonde_call *c, bool split, __u64 now)
{
	if (s)
		account_call(s, c, split);
	else
		count_drop(SONDE_DROP_BAD_ID);
	/* The calibration's calls are sonde's own, in no traced process. */
	if (per_pid && s && c->id < calib_id_base)
		account_pid_call(c);
	/* The calibration's own calls are no one's slow calls (nor ring-buffer drops). */
	if (slower_than_ns && c->wall >= slower_than_ns && c->id < calib_id_base)
		emit_slow_call(ctx, c, now);
}

/* One call ends: frame idx, the top one, popped; its times into its function's totals. */
static __always_inline void close_call(void *ctx, struct task_struct *task, struct sonde_thread *t,
				       __u32 idx, __u64 now, __u64 exit_cookie, bool split)
{
	struct sonde_func_stats *s;
	struct sonde_call call;
	struct sonde_frame *f;
	__u32 id, shape, path;

	/* The mask (SONDE_MAX_DEPTH is a power of two) is for the verifier. */
	idx &= SONDE_MAX_DEPTH - 1;
	f = &t->frames[idx];
	/* Looked up first: to clang the lookup is a call, across which it then
	 * keeps fewer values alive. */
	id = f->site & SONDE_COOKIE_ID_MASK;
	path = f->path;
	s = bpf_map_lookup_elem(&func_stats, &id);
	call.id = id;

	shape = exit_shape(f->site, exit_cookie);
	call_times(&call, now, f->start_ns, f->child_ns, f->probe_cost_ns, shape);
	/* Never switched out during the call: all of it was on a CPU. */
	call.split.oncpu_ns = split ? call.wall : 0;
	call.split.runq_ns = 0;
	call.split.blocked_ns = 0;
	if (split && f->switches != t->switches) {
		thread_time_split(&t->time, task, runq_from_run_delay, &t->time_at_entry[idx],
				  now, &call.split);
		fit_split_to_wall(&call.split, call.wall);
	}
	t->depth = idx;
	if (idx > 0) {
		struct sonde_frame *parent = &t->frames[(idx - 1) & (SONDE_MAX_DEPTH - 1)];

		charge_parent(&parent->child_ns, &parent->probe_cost_ns, &call, f->probe_cost_ns,
			      shape);
	}
	finish_call(ctx, s, &call, split, now);
	if (tree)
		account_path(path, call.wall, call.self);
}

/* Traced functions tail-calling traced functions, closed by one return. */
#define SONDE_TAIL_CHAIN 4

/*
 * A return at entry_sp: the stack pointer the entry saw. After a uretprobe's
 * return the return address is popped: sp - 8. At a ret or tail-jump
 * instruction it is still there: sp. exit_cookie: 0 for a return probe; an
 * exit probe's cookie, whose SONDE_COOKIE_EXIT_* bits say whether the exit
 * is soft (only the top frame at exactly entry_sp ends there; anything else
 * is not a return at all), what it cost, and whether it is a tail call to a
 * traced function (chained: the call goes on in the callee, and ends with
 * it; its frame is marked by the low bit of its sp, which an entry's
 * stack pointer never has set, as the call pushed 8 bytes on an aligned stack).
 */
static __always_inline int on_return(void *ctx, __u64 entry_sp, __u64 exit_cookie)
{
	__u64 now = bpf_ktime_get_ns();
	/* Read once: each read of a rodata flag is a load the verifier leaves in. */
	const bool split = sched_split;
	struct task_struct *task;
	struct sonde_thread *t;
	__u32 d, k;
	int idx;

	task = bpf_get_current_task_btf();
	if (task_is_filtered_out(task))
		return 0;
	t = bpf_task_storage_get(&threads, task, NULL, 0);
	if (!t || t->depth == 0) {
		if (!(exit_cookie & SONDE_COOKIE_EXIT_SOFT))
			count_drop(SONDE_DROP_ORPHAN_RETURN);
		return 0;
	}
	d = t->depth;
	if ((exit_cookie & SONDE_COOKIE_EXIT_SOFT) &&
	    (d > SONDE_MAX_DEPTH || t->frames[(d - 1) & (SONDE_MAX_DEPTH - 1)].sp != entry_sp))
		return 0;
	if (d > SONDE_MAX_DEPTH) {
		t->depth = d - 1;
		return 0;
	}
	idx = find_frame(t, d, entry_sp);
	if (idx < 0) {
		count_drop(SONDE_DROP_ORPHAN_RETURN);
		return 0;
	}
	if (exit_cookie & SONDE_COOKIE_EXIT_CHAINED) {
		t->frames[idx & (SONDE_MAX_DEPTH - 1)].sp = entry_sp | 1;
		return 0;
	}
	for (k = 0; k < SONDE_TAIL_CHAIN; k++) {
		close_call(ctx, task, t, (__u32)idx, now, exit_cookie, split);
		if (idx == 0 || t->frames[(idx - 1) & (SONDE_MAX_DEPTH - 1)].sp != (entry_sp | 1))
			break;
		/* The caller that tail-called it left through a jmp, which the kernel emulates. */
		idx--;
		exit_cookie = SONDE_COOKIE_EXIT_EMULATED;
	}
	return 0;
}

/* lat_entry_multi, lat_entry_single (common.bpf.h): a traced function's entry. */
SONDE_UPROBE_PROGS(lat_entry, on_entry(ctx))
/* lat_return_multi, lat_return_single: its return, by a return probe. */
SONDE_URETPROBE_PROGS(lat_return, on_return(ctx, call_sp_after_return(ctx), 0))
/* lat_exit_multi, lat_exit_single: at its return instructions, where a
 * uretprobe would break the program. */
SONDE_UPROBE_PROGS(lat_exit, on_return(ctx, call_sp(ctx), bpf_get_attach_cookie(ctx)))

/* Go's own entry and exit: calls paired per goroutine (lat_go.bpf.h). */
#include "lat_go.bpf.h"

/* lat_entry_go_multi, lat_entry_go_single; lat_exit_go_multi, lat_exit_go_single. */
SONDE_UPROBE_PROGS(lat_entry_go, on_entry_go(ctx))
SONDE_UPROBE_PROGS(lat_exit_go, on_exit_go(ctx))

/* The scheduler's side: sched_switch, sched_wakeup, the exit of a thread. */
#include "lat_sched.bpf.h"

/*
 * exec() replaces the program under a thread's traced calls: their returns
 * never come (the code and the return addresses a uretprobe saved are gone).
 * The frames the thread kept are counted as lost to exec and cleared, so the
 * new program's calls start from an empty stack instead of being taken for
 * returns of the old one. Frames past SONDE_MAX_DEPTH were never kept: they
 * were counted as depth drops when entered.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(lat_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct sonde_thread *t = bpf_task_storage_get(&threads, task, NULL, 0);
	__u32 kept;

	if (!t || !t->depth)
		return 0;
	kept = t->depth < SONDE_MAX_DEPTH ? t->depth : SONDE_MAX_DEPTH;
	count_drops(SONDE_DROP_EXEC, kept);
	t->depth = 0;
	return 0;
}
