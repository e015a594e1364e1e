// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elf_syms.h"
#include "symbolize.h"

struct mapping {
	__u64 start, end, pgoff;
	int object; /* index into symbolizer.objects, -1 if the file cannot be read */
};

struct object {
	char path[PATH_MAX]; /* as seen through /proc/PID/root */
	struct syms *syms;   /* NULL when unreadable */
};

struct process {
	pid_t pid;
	struct mapping *maps;
	size_t nr_maps;
};

struct symbolizer {
	struct process *procs;
	size_t nr_procs;
	struct object *objects;
	size_t nr_objects;
};

struct symbolizer *symbolizer__new(void)
{
	return calloc(1, sizeof(struct symbolizer));
}

static void process_clear(struct process *p)
{
	free(p->maps);
	p->maps = NULL;
	p->nr_maps = 0;
}

void symbolizer__free(struct symbolizer *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nr_procs; i++)
		process_clear(&s->procs[i]);
	for (i = 0; i < s->nr_objects; i++)
		syms__free(s->objects[i].syms);
	free(s->procs);
	free(s->objects);
	free(s);
}

static int object_index(struct symbolizer *s, const char *path)
{
	struct object *v;
	size_t i;
	int err;

	for (i = 0; i < s->nr_objects; i++)
		if (!strcmp(s->objects[i].path, path))
			return (int)i;
	v = realloc(s->objects, (s->nr_objects + 1) * sizeof(*v));
	if (!v)
		return -1;
	s->objects = v;
	snprintf(v[s->nr_objects].path, sizeof(v[0].path), "%s", path);
	v[s->nr_objects].syms = syms__load(path, &err);
	return (int)s->nr_objects++;
}

static int read_maps(struct symbolizer *s, struct process *p)
{
	char file[64], line[PATH_MAX + 256], path[PATH_MAX];
	unsigned long long start, end, pgoff;
	struct mapping *v;
	char perms[8];
	int name_at;
	FILE *f;

	process_clear(p);
	snprintf(file, sizeof(file), "/proc/%d/maps", p->pid);
	f = fopen(file, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		name_at = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &pgoff,
			   &name_at) < 4 ||
		    !name_at)
			continue;
		if (perms[2] != 'x' || line[name_at] != '/')
			continue;
		line[strcspn(line, "\n")] = '\0';
		v = realloc(p->maps, (p->nr_maps + 1) * sizeof(*v));
		if (!v)
			break;
		p->maps = v;
		if (snprintf(path, sizeof(path), "/proc/%d/root%.4000s", p->pid, line + name_at) >=
		    (int)sizeof(path))
			continue;
		v[p->nr_maps++] = (struct mapping){start, end, pgoff, object_index(s, path)};
	}
	fclose(f);
	return 0;
}

static struct process *process_of(struct symbolizer *s, pid_t pid)
{
	struct process *v;
	size_t i;

	for (i = 0; i < s->nr_procs; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	v = realloc(s->procs, (s->nr_procs + 1) * sizeof(*v));
	if (!v)
		return NULL;
	s->procs = v;
	memset(&v[s->nr_procs], 0, sizeof(v[0]));
	v[s->nr_procs].pid = pid;
	read_maps(s, &v[s->nr_procs]);
	return &v[s->nr_procs++];
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
	const struct object *o;
	const struct sym *sym;
	const char *base;
	__u64 off;

	if (p && !m && !read_maps(s, p))
		m = mapping_of(p, addr);
	if (!m || m->object < 0) {
		snprintf(buf, len, "0x%llx", (unsigned long long)addr);
		return buf;
	}
	o = &s->objects[m->object];
	off = addr - m->start + m->pgoff;
	sym = o->syms ? syms__find_offset(o->syms, off) : NULL;
	if (sym) {
		snprintf(buf, len, "%s+0x%llx", sym->demangled ? sym->demangled : sym->name,
			 (unsigned long long)(off - sym->offset));
		return buf;
	}
	base = strrchr(o->path, '/');
	snprintf(buf, len, "%s+0x%llx", base ? base + 1 : o->path, (unsigned long long)off);
	return buf;
}

void symbolizer__forget(struct symbolizer *s, pid_t pid)
{
	size_t i;

	for (i = 0; i < s->nr_procs; i++) {
		if (s->procs[i].pid != pid)
			continue;
		process_clear(&s->procs[i]);
		s->procs[i] = s->procs[--s->nr_procs];
		return;
	}
}
