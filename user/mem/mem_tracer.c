// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "mem/allocator.h"
#include "probe/attach.h"
#include "core/bpf_obj.h"
#include "probe/elf_syms.h"
#include "mem.skel.h"
#include "mem/mem_events.h"
#include "mem/mem_stacks.h"
#include "mem/mem_tracer_priv.h"
#include "core/preempt_model.h"
#include "probe/probes.h"
#include "core/test_knobs.h"
#include "core/util.h"

/* New-stack records only (24 k of them before one is lost)... */
#define SONDE_MEM_RINGBUF_SMALL (1U << 20)
/* ... and with --big / --sample, room for bursts. */
#define SONDE_MEM_RINGBUF_BIG (8U << 20)
/* Above this --max-allocs the live-allocation map is not preallocated (about
 * 100 bytes an element, charged at load): it grows with what is live instead. */
#define SONDE_MEM_PREALLOC_MAX (4U << 20)

/*
 * C++'s operator new and delete (cxx: never prefixed) are probed where the
 * allocator defines them itself, as jemalloc and tcmalloc do: jemalloc's
 * operator new allocates without calling malloc. Where one calls malloc,
 * the nesting counts it once (bpf/mem.bpf.c).
 */
static const struct {
	const char *name;
	enum sonde_alloc_kind kind;
	bool required;
	bool cxx;
} alloc_funcs[] = {
    {"malloc", SONDE_AK_MALLOC, true, false},
    {"calloc", SONDE_AK_CALLOC, false, false},
    {"realloc", SONDE_AK_REALLOC, false, false},
    {"reallocarray", SONDE_AK_REALLOCARRAY, false, false},
    {"posix_memalign", SONDE_AK_POSIX_MEMALIGN, false, false},
    {"aligned_alloc", SONDE_AK_MEMALIGN, false, false},
    {"memalign", SONDE_AK_MEMALIGN, false, false},
    {"valloc", SONDE_AK_VALLOC, false, false},
    {"pvalloc", SONDE_AK_PVALLOC, false, false},
    /* new(size), new[](size), and their nothrow and aligned forms: size first. */
    {"_Znwm", SONDE_AK_MALLOC, false, true},
    {"_Znam", SONDE_AK_MALLOC, false, true},
    {"_ZnwmRKSt9nothrow_t", SONDE_AK_MALLOC, false, true},
    {"_ZnamRKSt9nothrow_t", SONDE_AK_MALLOC, false, true},
    {"_ZnwmSt11align_val_t", SONDE_AK_MALLOC, false, true},
    {"_ZnamSt11align_val_t", SONDE_AK_MALLOC, false, true},
    {"_ZnwmSt11align_val_tRKSt9nothrow_t", SONDE_AK_MALLOC, false, true},
    {"_ZnamSt11align_val_tRKSt9nothrow_t", SONDE_AK_MALLOC, false, true},
};

/* delete(ptr, ...) in every form: the pointer first. Attached with cookie 1
 * (SONDE_FREE_DELETE), since many end in `jmp free`, seen again there. */
static const char *const delete_funcs[] = {
    "_ZdlPv",
    "_ZdaPv",
    "_ZdlPvm",
    "_ZdaPvm",
    "_ZdlPvRKSt9nothrow_t",
    "_ZdaPvRKSt9nothrow_t",
    "_ZdlPvSt11align_val_t",
    "_ZdaPvSt11align_val_t",
    "_ZdlPvmSt11align_val_t",
    "_ZdaPvmSt11align_val_t",
    "_ZdlPvSt11align_val_tRKSt9nothrow_t",
    "_ZdaPvSt11align_val_tRKSt9nothrow_t",
};

/* free() and the deletes: at most this many sites. */
#define MEM_MAX_FREE_SITES 16

static size_t stack_stats_bytes(const struct mem_tracer *mt)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t bytes = mt->nr_stack_stats * sizeof(struct sonde_stack_stats);

	return (bytes + page - 1) / page * page;
}

static int add_spec(struct probe_spec **specs, size_t *n, const char *object, const char *name)
{
	struct probe_spec *v = realloc(*specs, (*n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	*specs = v;
	/* No OBJECT: the main executable. */
	v[*n].object = object ? strdup(object) : NULL;
	v[*n].glob = strdup(name);
	(*n)++;
	return (!object || v[*n - 1].object) && v[*n - 1].glob ? 0 : -ENOMEM;
}

static void free_specs(struct probe_spec *specs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		probe_spec_free(&specs[i]);
	free(specs);
}

/* Which allocator functions the object defines (a jemalloc may lack pvalloc):
 * the allocating ones in specs, free() and the deletes in frees. */
static int pick_functions(struct mem_tracer *mt, struct probe_spec **specs, size_t *n,
			  struct probe_spec **frees, size_t *nr_frees)
{
	const struct allocator *a = &mt->alloc;
	const char *shown = object_shown_path(a->path);
	char name[64];
	struct syms *syms;
	size_t i;
	int err;

	syms = syms__load(a->path, &err);
	if (!syms)
		return sonde_fail(SONDE_EXIT_INPUT, "cannot read the allocator %s: %s", shown,
				  strerror(-err));
	err = 0;
	for (i = 0; i < sizeof(alloc_funcs) / sizeof(alloc_funcs[0]) && !err; i++) {
		snprintf(name, sizeof(name), "%s%s", alloc_funcs[i].cxx ? "" : a->prefix,
			 alloc_funcs[i].name);
		if (allocator_defines(syms, name))
			err = add_spec(specs, n, a->object, name);
		else if (!alloc_funcs[i].required && !alloc_funcs[i].cxx)
			sonde_info("%s has no %s(): not traced", shown, name);
	}
	snprintf(name, sizeof(name), "%sfree", a->prefix);
	if (!err && !allocator_defines(syms, name))
		err = sonde_fail(SONDE_EXIT_INPUT, "%s defines %smalloc() but no %s()", shown,
				 a->prefix, name);
	if (!err)
		err = add_spec(frees, nr_frees, a->object, name);
	for (i = 0; i < sizeof(delete_funcs) / sizeof(delete_funcs[0]) && !err; i++)
		if (allocator_defines(syms, delete_funcs[i]))
			err = add_spec(frees, nr_frees, a->object, delete_funcs[i]);
	syms__free(syms);
	return err;
}

/*
 * The allocator's probes read its arguments, and its return probes are safe
 * whatever the program: no exception unwinds through malloc, and Go's stack
 * walker never meets a C frame.
 */
const struct resolve_opts mem_resolve = {
    .site_choice = true, .reads_args = true, .returns = RETURN_MODE_URETPROBE};

static int resolve(struct mem_tracer *mt, const struct target *t, const char *forced)
{
	struct resolve_opts allocs = mem_resolve, frees = mem_resolve;
	struct probe_spec *specs = NULL, *free_specs_v = NULL;
	size_t n = 0, nr_frees = 0;
	int err;

	err = allocator_find(t, forced, &mt->alloc);
	if (err || !mt->alloc.found)
		return err; /* nothing to probe: the syscalls and RSS only */
	allocs.max_probes = SONDE_MEM_MAX_SITES;
	frees.max_probes = MEM_MAX_FREE_SITES;
	err = pick_functions(mt, &specs, &n, &free_specs_v, &nr_frees);
	if (!err)
		err = probes_resolve(t, specs, n, &allocs, &mt->allocs);
	if (!err)
		err = probes_resolve(t, free_specs_v, nr_frees, &frees, &mt->frees);
	free_specs(specs, n);
	free_specs(free_specs_v, nr_frees);
	return err;
}

/* The kind of an allocator site, by its name without the allocator's prefix. */
static enum sonde_alloc_kind kind_of(const char *name, const char *prefix)
{
	size_t i, n = strlen(prefix);

	if (!strncmp(name, prefix, n))
		name += n;
	for (i = 0; i < sizeof(alloc_funcs) / sizeof(alloc_funcs[0]); i++)
		if (!strcmp(alloc_funcs[i].name, name))
			return alloc_funcs[i].kind;
	return SONDE_AK_MALLOC;
}

static struct probe_progs alloc_progs(struct mem_bpf *skel)
{
	return (struct probe_progs){
	    .multi = {[PROBE_PROG_ENTRY] = skel->progs.mem_alloc_entry_multi,
		      [PROBE_PROG_RETURN] = skel->progs.mem_alloc_return_multi},
	    .single = {[PROBE_PROG_ENTRY] = skel->progs.mem_alloc_entry_single,
		       [PROBE_PROG_RETURN] = skel->progs.mem_alloc_return_single},
	};
}

/*
 * Whether the syscall tracepoints can be used. libbpf finds them through
 * tracefs (/sys/kernel/debug/tracing where debugfs is mounted, else
 * /sys/kernel/tracing), which some machines do not mount at boot: mounted
 * here then, as perf and bpftrace do. Without them (no
 * CONFIG_FTRACE_SYSCALLS) the raw sys_exit tracepoint does the same work.
 */
static bool syscall_tracepoints_ready(void)
{
	static const char *const dirs[] = {"/sys/kernel/debug/tracing", "/sys/kernel/tracing"};
	static const char *const event = "events/syscalls/sys_exit_mmap/id";
	char path[128];
	size_t i;

	/* Lets the tests exercise the raw tracepoint on a kernel that has both. */
	if (test_knobs()->no_syscall_tracepoints)
		return false;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], event);
		if (!access(path, R_OK))
			return true;
	}
	/* tracefs is there (its events directory is): the kernel has no syscall events. */
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/events", dirs[i]);
		if (!access(path, F_OK))
			return false;
	}
	if (mount("tracefs", dirs[1], "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		sonde_info("cannot mount tracefs on %s (%s): the raw sys_exit tracepoint instead",
			   dirs[1], strerror(errno));
		return false;
	}
	snprintf(path, sizeof(path), "%s/%s", dirs[1], event);
	if (access(path, R_OK)) {
		umount2(dirs[1], MNT_DETACH);
		return false;
	}
	sonde_info("mounted tracefs on %s for the syscall tracepoints", dirs[1]);
	return true;
}

static int load(struct mem_tracer *mt, const struct mem_tracer_opts *o, const struct target *t)
{
	struct probe_progs progs;
	struct mem_bpf *skel;
	__u32 mask;
	size_t i;
	int err;

	skel = mem_bpf__open();
	if (!skel)
		return bpf_obj_open_failed();
	mt->skel = skel;
	err = bpf_map__set_max_entries(skel->maps.allocs, o->max_allocs);
	if (!err && o->max_allocs > SONDE_MEM_PREALLOC_MAX) {
		sonde_info("--max-allocs %u: live allocations in a map that grows as needed "
			   "(slower: preallocated up to %u)",
			   o->max_allocs, SONDE_MEM_PREALLOC_MAX);
		err = bpf_map__set_map_flags(skel->maps.allocs, BPF_F_NO_PREALLOC);
	}
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.stacks, o->max_stacks);
	if (!err)
		err = bpf_map__set_value_size(skel->maps.stacks, o->stack_depth * sizeof(__u64));
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.events, o->big_bytes || o->sample_every
								      ? SONDE_MEM_RINGBUF_BIG
								      : SONDE_MEM_RINGBUF_SMALL);
	if (err)
		goto fail;
	for (i = 0; i < mt->allocs.nr; i++)
		skel->rodata->site_kind[i] =
		    (__u8)kind_of(mt->allocs.sites[i].name, mt->alloc.prefix);
	/* -b: count only tasks whose executable is the binary (the allocator
	 * probes sit in a library every process maps). */
	skel->rodata->filter_exe_ino = target_binary_ino(t);
	skel->rodata->big_bytes = o->big_bytes;
	skel->rodata->sample_every = o->sample_every;
	skel->rodata->stack_depth = o->stack_depth;
	skel->rodata->stats_atomic = percpu_counters_need_atomics();
	for (mask = 1; mask < o->max_stacks; mask <<= 1)
		;
	skel->rodata->stack_id_mask = mask - 1;
	/* Every id below mask, then the heap and the mappings without a stack. */
	mt->nr_stack_stats = (size_t)mask + 2;
	err = bpf_map__set_max_entries(skel->maps.stack_stats, (__u32)mt->nr_stack_stats);
	if (err)
		goto fail;
	progs = alloc_progs(skel);
	attach_select_progs(&progs, mt->multi);
	bpf_program__set_autoload(skel->progs.mem_free_multi, mt->multi);
	bpf_program__set_autoload(skel->progs.mem_free_single, !mt->multi);
	mt->syscall_tps = syscall_tracepoints_ready();
	bpf_program__set_autoload(skel->progs.mem_exit_mmap, mt->syscall_tps);
	bpf_program__set_autoload(skel->progs.mem_exit_munmap, mt->syscall_tps);
	bpf_program__set_autoload(skel->progs.mem_exit_mremap, mt->syscall_tps);
	bpf_program__set_autoload(skel->progs.mem_exit_brk, mt->syscall_tps);
	bpf_program__set_autoload(skel->progs.mem_sys_exit, !mt->syscall_tps);
	sonde_info("memory syscalls through %s", mt->syscall_tps ? "syscalls:sys_exit_* tracepoints"
								 : "the raw sys_exit tracepoint");
	err = mem_bpf__load(skel);
	if (err)
		goto fail;
	mt->reap = t->binary != NULL;
	mt->stack_stats = mmap(NULL, stack_stats_bytes(mt), PROT_READ | (mt->reap ? PROT_WRITE : 0),
			       MAP_SHARED, bpf_map__fd(skel->maps.stack_stats), 0);
	if (mt->stack_stats == MAP_FAILED) {
		mt->stack_stats = NULL;
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	return bpf_obj_load_failed(err);
}

/* A process in the procs map with the RSS it has now (statm: resident, shared
 * pages), so a process that touches no new page still shows its RSS; 0 or -errno. */
static int add_process(int fd, pid_t pid, bool read_rss)
{
	unsigned long long size, resident, shared;
	struct sonde_mem_proc p = {0};
	__u32 key = (__u32)pid;
	char path[64];
	FILE *f;

	/* Another thread's view when the main thread has exited (its statm reads 0). */
	snprintf(path, sizeof(path), "/proc/%d/statm", proc_live_task(pid));
	f = read_rss ? fopen(path, "re") : NULL;
	if (f && fscanf(f, "%llu %llu %llu", &size, &resident, &shared) == 3) {
		p.rss_pages[0] = (__s64)shared;
		p.rss_pages[1] = (__s64)(resident - shared);
		p.rss_peak_pages = resident;
	}
	if (f)
		fclose(f);
	return bpf_map_update_elem(fd, &key, &p, BPF_NOEXIST) && errno != EEXIST ? -errno : 0;
}

/* -b: the processes running the binary now (the BPF side adds later ones as
 * they show up), so their RSS counts from the start. */
static int add_binary_processes(int fd, const struct target *t)
{
	struct stat bin, st;
	struct dirent *de;
	char path[64];
	int err = 0;
	DIR *d;

	if (stat(t->exe, &bin) || !(d = opendir("/proc")))
		return 0;
	while (!err && (de = readdir(d))) {
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		if (!stat(path, &st) && st.st_ino == bin.st_ino && st.st_dev == bin.st_dev)
			err = add_process(fd, pid, true);
	}
	closedir(d);
	return err;
}

/* The processes of -p / -- CMD (a held command is still sonde's fork: its RSS
 * is not the command's), or those of -b. */
static int add_processes(struct mem_tracer *mt, const struct target *t)
{
	int fd = bpf_map__fd(mt->skel->maps.procs), i, err = 0;

	if (t->binary)
		return add_binary_processes(fd, t);
	for (i = 0; i < t->nr_pids && !err; i++)
		err = add_process(fd, t->pids[i], !t->child_started);
	return err;
}

static int attach_tracepoints(struct mem_tracer *mt)
{
	struct mem_bpf *skel = mt->skel;
	struct bpf_program *progs[] = {skel->progs.mem_rss_stat,    skel->progs.mem_exit_mmap,
				       skel->progs.mem_exit_munmap, skel->progs.mem_exit_mremap,
				       skel->progs.mem_exit_brk,    skel->progs.mem_sys_exit};
	int err = bpf_links_attach(&mt->links, progs, sizeof(progs) / sizeof(progs[0]));

	mt->nr_tracepoint_links = mt->links.nr;
	return err;
}

/* free() and the deletes: entry probes only, so not through attach_probes(),
 * which always pairs an entry with a return. The cookie tells a delete. */
static int attach_free_pid(struct mem_tracer *mt, pid_t pid)
{
	const struct probe_site *sites = mt->frees.sites;
	unsigned long offsets[MEM_MAX_FREE_SITES];
	__u64 cookies[MEM_MAX_FREE_SITES];
	LIBBPF_OPTS(bpf_uprobe_multi_opts, mopts);
	struct bpf_link *link = NULL;
	size_t i, n = mt->frees.nr;
	char free_name[64];
	int err;

	/* Site names are the demangled ones: a delete is whatever is not free(). */
	snprintf(free_name, sizeof(free_name), "%sfree", mt->alloc.prefix);
	for (i = 0; i < n; i++) {
		offsets[i] = sites[i].offset;
		cookies[i] = strcmp(sites[i].name, free_name) ? SONDE_FREE_DELETE : 0;
	}
	if (mt->multi) {
		mopts.offsets = offsets;
		mopts.cookies = cookies;
		mopts.cnt = n;
		link = bpf_program__attach_uprobe_multi(mt->skel->progs.mem_free_multi, pid,
							sites[0].object, NULL, &mopts);
		if (link)
			return bpf_links_keep(&mt->links, link);
	}
	for (i = 0; !mt->multi && i < n; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, sopts, .bpf_cookie = cookies[i]);

		link = bpf_program__attach_uprobe_opts(mt->skel->progs.mem_free_single, pid,
						       sites[i].object, sites[i].offset, &sopts);
		if (!link)
			break;
		if ((err = bpf_links_keep(&mt->links, link)))
			return err;
	}
	if (link)
		return 0;
	if (pid > 0 && kill(pid, 0) && errno == ESRCH)
		return sonde_fail(SONDE_EXIT_SYSTEM,
				  "process %d exited while probes were being attached", pid);
	return sonde_fail(SONDE_EXIT_SYSTEM, "cannot attach uprobes to %s: %s",
			  object_shown_path(sites[0].object), strerror(errno));
}

static int attach_all(struct mem_tracer *mt, const struct target *t)
{
	struct probe_progs progs = alloc_progs(mt->skel);
	int i, err;

	err = attach_tracepoints(mt);
	if (err || !mt->alloc.found)
		return err;
	/* Frees first: a block allocated while attaching is never freed unseen. */
	if (!target_has_pids(t))
		err = attach_free_pid(mt, -1);
	/* Processes are told apart by the procs map: see target_attach_pid(). */
	for (i = 0; i < t->nr_pids && !err; i++)
		err = attach_free_pid(mt, target_attach_pid(t, i));
	if (!err)
		err = attach_probes(&progs, mt->multi, &mt->allocs, t, &mt->att);
	/* An allocator function left out would leave its blocks unseen: not a partial trace. */
	if (!err && mt->allocs.nr_skipped)
		err = sonde_fail(SONDE_EXIT_SYSTEM, "the kernel refused a uprobe on %s in %s",
				 mt->allocs.skipped[0].name,
				 object_shown_path(mt->allocs.skipped[0].object));
	return err;
}

/* The printer's view of the stacks: where a stack was cut is no concern of an event line. */
static const char *const *event_frames(void *ctx, __u32 id, __u32 pid, size_t *nr)
{
	return mem_tracer__stack_frames(ctx, id, pid, nr, NULL);
}

int mem_tracer__open(const struct mem_tracer_opts *o, struct target *t, struct mem_tracer **out)
{
	struct mem_tracer *mt = calloc(1, sizeof(*mt));
	__u64 t0;
	int err;

	if (!mt)
		return -ENOMEM;
	mt->stack_depth = o->stack_depth;
	mt->multi = attach_use_multi();
	err = resolve(mt, t, o->allocator);
	if (!err)
		err = load(mt, o, t);
	if (!err) {
		mt->stacks = mem_stacks__new(bpf_map__fd(mt->skel->maps.stacks),
					     bpf_map__fd(mt->skel->maps.procs), mt->stack_depth);
		err = mt->stacks ? 0 : -ENOMEM;
	}
	if (!err)
		err = add_processes(mt, t);
	if (err)
		goto fail;
	mt->events = mem_events__new(event_frames, mt, o->json, stdout);
	err = mt->events ? bpf_obj_ring_buffer(bpf_map__fd(mt->skel->maps.events),
					       mem_events__handle, mt->events, &mt->rb)
			 : -ENOMEM;
	if (err)
		goto fail;
	t0 = now_ns();
	err = attach_all(mt, t);
	if (err)
		goto fail;
	if (mt->alloc.found)
		sonde_info("attached %zu allocator functions, %sfree() and %zu deletes in %s in "
			   "%.3f s",
			   mt->allocs.nr, mt->alloc.prefix, mt->frees.nr - 1,
			   object_shown_path(mt->alloc.path), (now_ns() - t0) / 1e9);
	*out = mt;
	return 0;
fail:
	mem_tracer__close(mt);
	return err;
}

void mem_tracer__close(struct mem_tracer *mt)
{
	if (!mt)
		return;
	attachment_free(mt->att);
	if (mt->stack_stats)
		munmap((void *)mt->stack_stats, stack_stats_bytes(mt));
	bpf_links_free(&mt->links);
	ring_buffer__free(mt->rb);
	mem_events__free(mt->events);
	mem_bpf__destroy(mt->skel);
	mem_stacks__free(mt->stacks);
	probe_set_free(&mt->allocs);
	probe_set_free(&mt->frees);
	free(mt);
}

size_t mem_tracer__nr_functions(const struct mem_tracer *mt)
{
	return mt->allocs.nr + mt->frees.nr;
}

size_t mem_tracer__nr_links(const struct mem_tracer *mt)
{
	/* The tracepoints are not counted: they are not probes of the target. */
	return attachment_nr_links(mt->att) + mt->links.nr - mt->nr_tracepoint_links;
}

bool mem_tracer__multi(const struct mem_tracer *mt)
{
	return mt->multi;
}

const struct allocator *mem_tracer__allocator(const struct mem_tracer *mt)
{
	return &mt->alloc;
}

const char *mem_tracer__allocator_path(const struct mem_tracer *mt)
{
	return mt->alloc.found ? object_shown_path(mt->alloc.path) : NULL;
}

int mem_tracer__events_fd(const struct mem_tracer *mt)
{
	return ring_buffer__epoll_fd(mt->rb);
}

int mem_tracer__drain(struct mem_tracer *mt)
{
	return bpf_obj_drain(mt->rb);
}
