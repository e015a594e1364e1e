// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses -> names, with memory that stays bounded however many processes
 * come and go (-b over a build farm, a forking server): at most
 * SYM_MAX_PROCS processes are remembered, least recently used first out and
 * those that exited before the others, and each mapped file is read once for
 * all the processes that map it (keyed by device and inode, not by path) and
 * freed with the last process that maps it.
 *
 * A remembered process is known by its start time (/proc/PID/stat field 22),
 * and watched through a pidfd where there are pidfds, so a new process that
 * reuses the PID of an exited one never gets the old one's mappings; a late
 * record of the exited one, while nothing else holds its PID, still does.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "probe/elf_syms.h"
#include "probe/symbolize.h"
#include "core/target.h"

#define SYM_MAX_PROCS 64

struct object {
	dev_t dev;
	ino_t ino;
	char name[NAME_MAX + 1]; /* base name, for addresses without a symbol */
	char file[PATH_MAX];	 /* as /proc/PID/maps names it */
	struct syms *syms;	 /* read at the first address that falls in the object */
	bool loaded;
	unsigned int refs; /* processes whose mappings point here */
};

struct mapping {
	__u64 start, end, pgoff;
	struct object *obj;
};

struct process {
	pid_t pid;
	int pidfd;		       /* -1 without pidfds */
	unsigned long long start_time; /* clock ticks after boot: who holds the PID */
	struct mapping *maps;
	size_t nr_maps;
	__u64 last_use;
};

struct symbolizer {
	struct process procs[SYM_MAX_PROCS];
	size_t nr_procs;
	struct object **objects;
	size_t nr_objects;
	__u64 clock;
};

struct symbolizer *symbolizer__new(void)
{
	return calloc(1, sizeof(struct symbolizer));
}

static void object_put(struct symbolizer *s, struct object *o)
{
	size_t i;

	if (!o || --o->refs)
		return;
	for (i = 0; i < s->nr_objects; i++) {
		if (s->objects[i] != o)
			continue;
		s->objects[i] = s->objects[--s->nr_objects];
		break;
	}
	syms__free(o->syms);
	free(o);
}

static void maps_put(struct symbolizer *s, struct mapping *maps, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		object_put(s, maps[i].obj);
	free(maps);
}

static void process_drop(struct symbolizer *s, struct process *p)
{
	maps_put(s, p->maps, p->nr_maps);
	if (p->pidfd >= 0)
		close(p->pidfd);
	*p = s->procs[--s->nr_procs];
}

void symbolizer__free(struct symbolizer *s)
{
	if (!s)
		return;
	while (s->nr_procs)
		process_drop(s, &s->procs[0]);
	free(s->objects);
	free(s);
}

size_t symbolizer__nr_processes(const struct symbolizer *s)
{
	return s ? s->nr_procs : 0;
}

size_t symbolizer__nr_objects(const struct symbolizer *s)
{
	return s ? s->nr_objects : 0;
}

/* Fields 3 (state) and 22 (start time) of /proc/PID/stat, after the command
 * name (which may hold spaces and parentheses: the last ')' ends it). A start
 * time of 0 when the process is gone. */
static unsigned long long proc_start_time(pid_t pid, char *state)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd, field;

	*state = '?';
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p && p[1] == ' ')
		*state = p[2];
	/* ") S ppid ...": field 3 is the state. */
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

static bool process_exited(const struct process *p)
{
	struct pollfd pfd = {.fd = p->pidfd, .events = POLLIN};
	char state;

	if (p->pidfd >= 0)
		return poll(&pfd, 1, 0) > 0;
	return proc_start_time(p->pid, &state) != p->start_time;
}

/*
 * p has exited: does its PID belong to another process now? The start time
 * counts in clock ticks (10 ms), too coarse alone for a PID reused at once;
 * but p is at most a zombie now, so a holder of the PID that runs is another.
 */
static bool pid_reused(const struct process *p)
{
	char state;
	unsigned long long start = proc_start_time(p->pid, &state);

	if (!start)
		return false;
	return start != p->start_time || (state != 'Z' && state != 'X');
}

/* The file of a mapping, shared with every process that maps the same inode. */
static struct object *object_get(struct symbolizer *s, const char *line, const char *file)
{
	static const char deleted[] = " (deleted)";
	unsigned long long start, end, ino;
	unsigned int major, minor;
	struct object *o, **v;
	const char *base;
	size_t i, n;

	if (sscanf(line, "%llx-%llx %*s %*s %x:%x %llu", &start, &end, &major, &minor, &ino) != 5)
		return NULL;
	for (i = 0; i < s->nr_objects; i++) {
		o = s->objects[i];
		if (o->ino == (ino_t)ino && o->dev == makedev(major, minor)) {
			o->refs++;
			return o;
		}
	}
	o = calloc(1, sizeof(*o));
	v = o ? realloc(s->objects, (s->nr_objects + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(o);
		return NULL;
	}
	s->objects = v;
	o->dev = makedev(major, minor);
	o->ino = (ino_t)ino;
	o->refs = 1;
	base = strrchr(file, '/');
	snprintf(o->name, sizeof(o->name), "%s", base ? base + 1 : file);
	n = strlen(o->name);
	if (n > sizeof(deleted) - 1 && !strcmp(o->name + n - (sizeof(deleted) - 1), deleted))
		o->name[n - (sizeof(deleted) - 1)] = '\0';
	snprintf(o->file, sizeof(o->file), "%s", file);
	s->objects[s->nr_objects++] = o;
	return o;
}

/*
 * The symbols of the file m maps in process pid, read through the mapped inode
 * itself (/proc/TASK/map_files/START-END), which opens even when the file was
 * deleted or replaced since (a package upgrade), else through the path as the
 * process sees it. Read through the process that needs them: the one that
 * first mapped the file may be gone. Tried again while no process could open it.
 */
static void object_load(struct object *o, pid_t pid, const struct mapping *m)
{
	pid_t task = proc_live_task(pid);
	char path[PATH_MAX];
	struct stat st;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", task,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	if (stat(path, &st) || st.st_ino != o->ino)
		snprintf(path, sizeof(path), "/proc/%d/root%.4000s", task, o->file);
	o->syms = syms__load(path, &err);
	o->loaded = o->syms || err != -ENOENT;
}

/* The executable mappings of process pid now, read through a thread that
 * still has them (the main thread may have exited). */
static int read_maps(struct symbolizer *s, pid_t pid, struct mapping **out, size_t *nr_out)
{
	char file[64], line[PATH_MAX + 256];
	unsigned long long start, end, pgoff;
	struct mapping *maps = NULL, *v;
	size_t nr = 0, cap = 0;
	char perms[8];
	int name_at;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/maps", proc_live_task(pid));
	f = fopen(file, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		name_at = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &pgoff,
			   &name_at) < 4 ||
		    !name_at)
			continue;
		/* Anonymous code too (JIT, [vdso]): no name, but a frame there is code. */
		if (perms[2] != 'x')
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (nr == cap) {
			cap = cap ? cap * 2 : 16;
			v = realloc(maps, cap * sizeof(*v));
			if (!v)
				break;
			maps = v;
		}
		maps[nr] = (struct mapping){
		    start, end, pgoff,
		    line[name_at] == '/' ? object_get(s, line, line + name_at) : NULL};
		nr++;
	}
	fclose(f);
	*out = maps;
	*nr_out = nr;
	return 0;
}

/* Replace p's mappings with what its process maps now. The new ones are taken
 * before the old are let go, so the files both map are not read again. */
static int process_reread(struct symbolizer *s, struct process *p)
{
	struct mapping *maps;
	size_t nr;
	int err = read_maps(s, p->pid, &maps, &nr);

	if (err)
		return err;
	maps_put(s, p->maps, p->nr_maps);
	p->maps = maps;
	p->nr_maps = nr;
	return 0;
}

/* The slot for a new process: a free one, else the one used least recently
 * among those that exited, else the least recently used of all. */
static struct process *free_slot(struct symbolizer *s)
{
	struct process *victim = NULL, *p;
	bool victim_exited = false, exited;
	size_t i;

	if (s->nr_procs < SYM_MAX_PROCS)
		return &s->procs[s->nr_procs++];
	for (i = 0; i < s->nr_procs; i++) {
		p = &s->procs[i];
		exited = process_exited(p);
		if (!victim || (exited && !victim_exited) ||
		    (exited == victim_exited && p->last_use < victim->last_use)) {
			victim = p;
			victim_exited = exited;
		}
	}
	maps_put(s, victim->maps, victim->nr_maps);
	if (victim->pidfd >= 0)
		close(victim->pidfd);
	return victim;
}

static struct process *process_add(struct symbolizer *s, pid_t pid)
{
	struct process *p;
	char state;
	unsigned long long start = proc_start_time(pid, &state);
	int pidfd;

	if (!start)
		return NULL;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	p = free_slot(s);
	*p = (struct process){.pid = pid, .pidfd = pidfd, .start_time = start};
	/* The maps read must be this process's: still running once they are read. */
	if (process_reread(s, p) || process_exited(p)) {
		process_drop(s, p);
		return NULL;
	}
	return p;
}

static struct process *process_of(struct symbolizer *s, pid_t pid)
{
	struct process *p = NULL;
	size_t i;

	for (i = 0; i < s->nr_procs && !p; i++)
		if (s->procs[i].pid == pid)
			p = &s->procs[i];
	/* Exited, and its PID now another process's: that one has other maps.
	 * Exited, and the PID free or still its own (a zombie not yet reaped): a
	 * record that came late, from this process. */
	if (p && process_exited(p) && pid_reused(p)) {
		process_drop(s, p);
		p = NULL;
	}
	if (!p)
		p = process_add(s, pid);
	if (p)
		p->last_use = ++s->clock;
	return p;
}

static const struct mapping *mapping_of(const struct process *p, __u64 addr)
{
	size_t i;

	for (i = 0; i < p->nr_maps; i++)
		if (addr >= p->maps[i].start && addr < p->maps[i].end)
			return &p->maps[i];
	return NULL;
}

const char *symbolizer__name(struct symbolizer *s, pid_t pid, __u64 addr, char *buf, size_t len)
{
	struct process *p = process_of(s, pid);
	const struct mapping *m = p ? mapping_of(p, addr) : NULL;
	const struct sym *sym;
	struct object *o;
	__u64 off;

	/* Mapped since the maps were read (dlopen): read them again while it runs. */
	if (p && !m && !process_exited(p) && !process_reread(s, p))
		m = mapping_of(p, addr);
	if (!m || !m->obj) {
		snprintf(buf, len, "0x%llx", (unsigned long long)addr);
		return buf;
	}
	o = m->obj;
	if (!o->loaded)
		object_load(o, pid, m);
	off = addr - m->start + m->pgoff;
	sym = o->syms ? syms__find_offset(o->syms, off) : NULL;
	if (sym) {
		snprintf(buf, len, "%s+0x%llx", sym->demangled ? sym->demangled : sym->name,
			 (unsigned long long)(off - sym->offset));
		return buf;
	}
	/*
	 * No symbol: the object and the file offset (what the address minus its
	 * mapping's start plus the mapping's file offset gives; equal to the
	 * address in the file's code for the usual PIE layout), so that two places
	 * in a stripped executable read apart. In parentheses, as LLVM's
	 * sanitizers print them, so it cannot be taken for a function's name.
	 */
	snprintf(buf, len, "(%s+0x%llx)", o->name, (unsigned long long)off);
	return buf;
}

int symbolizer__is_code(struct symbolizer *s, pid_t pid, __u64 addr)
{
	struct process *p = process_of(s, pid);

	if (!p)
		return -1;
	if (mapping_of(p, addr))
		return 1;
	/* Mapped since the maps were read (dlopen)? */
	if (!process_exited(p) && !process_reread(s, p) && mapping_of(p, addr))
		return 1;
	return 0;
}

void symbolizer__forget(struct symbolizer *s, pid_t pid)
{
	size_t i;

	for (i = 0; i < s->nr_procs; i++) {
		if (s->procs[i].pid != pid)
			continue;
		process_drop(s, &s->procs[i]);
		return;
	}
}
