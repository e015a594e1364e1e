// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mem/allocator.h"
#include "probe/elf_syms.h"
#include "probe/probes.h"
#include "core/util.h"

/* Objects looked at before giving up: a process maps a few dozen at most. */
#define ALLOC_MAX_OBJECTS 256

static const char *const prefixes[] = {"", "je_", "tc_"};

bool allocator_defines(const struct syms *syms, const char *name)
{
	size_t i;

	for (i = 0; i < syms__count(syms); i++) {
		const struct sym *s = syms__get(syms, i);

		if (!strcmp(s->name, name) && !s->ifunc && s->size)
			return true;
	}
	return false;
}

static bool has_symbol(const struct syms *syms, const char *name)
{
	size_t i;

	for (i = 0; i < syms__count(syms); i++)
		if (!strcmp(syms__get(syms, i)->name, name))
			return true;
	return false;
}

const char *allocator_prefix_of(const struct syms *syms)
{
	char name[32];
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		snprintf(name, sizeof(name), "%smalloc", prefixes[i]);
		if (allocator_defines(syms, name))
			return prefixes[i];
	}
	return NULL;
}

const char *allocator_name_of(const struct syms *syms)
{
	if (has_symbol(syms, "mallocx") || has_symbol(syms, "je_mallocx") ||
	    has_symbol(syms, "mallctl") || has_symbol(syms, "je_mallctl"))
		return "jemalloc";
	if (has_symbol(syms, "tc_malloc"))
		return "tcmalloc";
	if (has_symbol(syms, "mi_malloc"))
		return "mimalloc";
	if (has_symbol(syms, "__libc_malloc"))
		return "libc";
	return "malloc";
}

/* The search order being built: names as the dynamic linker would look them up. */
struct search {
	char *names[ALLOC_MAX_OBJECTS];
	size_t nr;
};

static void search_add(struct search *s, const char *name)
{
	size_t i;

	if (s->nr == ALLOC_MAX_OBJECTS)
		return;
	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->names[i], name))
			return;
	s->names[s->nr] = strdup(name);
	if (s->names[s->nr])
		s->nr++;
}

static void search_free(struct search *s)
{
	while (s->nr)
		free(s->names[--s->nr]);
}

/* The DT_NEEDED entries of the object at path, added to s; *is_static when it
 * has no program interpreter (nothing is loaded with it). */
static int add_needed(struct search *s, const char *path, bool *is_static)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	bool interp = false;
	Elf_Scn *scn = NULL;
	size_t i, nr_ph;
	GElf_Phdr ph;
	Elf *elf;

	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto cleanup;
	}
	if (!elf_getphdrnum(elf, &nr_ph))
		for (i = 0; i < nr_ph; i++)
			if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_INTERP)
				interp = true;
	if (is_static)
		*is_static = !interp;
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		GElf_Shdr sh;
		GElf_Dyn dyn;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		for (i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag != DT_NEEDED)
				continue;
			name = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			if (name && *name)
				search_add(s, name);
		}
	}
cleanup:
	elf_end(elf);
	close(fd);
	return err;
}

/* LD_PRELOAD (of the process, or sonde's own, which a started command
 * inherits), then /etc/ld.so.preload: loaded right after the executable.
 * Both are lists separated by spaces or colons. */
static void add_preloads(struct search *s, const struct target *t)
{
	char path[64], why[128], *buf = NULL, *tok, *save = NULL;
	size_t len = 0, i;
	const char *v;

	if (t->nr_pids && !t->child_started) {
		snprintf(path, sizeof(path), "/proc/%d/environ", proc_live_task(t->pids[0]));
		if (!read_whole_file(path, 1 << 20, &buf, &len, why, sizeof(why))) {
			for (i = 0; i < len; i += strlen(buf + i) + 1)
				if (!strncmp(buf + i, "LD_PRELOAD=", 11))
					break;
			v = i < len ? buf + i + 11 : NULL;
			tok = v ? strdup(v) : NULL;
			free(buf);
			buf = tok;
		}
	} else if (!t->binary && (v = getenv("LD_PRELOAD"))) {
		buf = strdup(v);
	}
	for (tok = buf ? strtok_r(buf, " :", &save) : NULL; tok; tok = strtok_r(NULL, " :", &save))
		search_add(s, tok);
	free(buf);
	buf = NULL;
	save = NULL;
	if (read_whole_file("/etc/ld.so.preload", 1 << 20, &buf, &len, why, sizeof(why)))
		return;
	for (tok = strtok_r(buf, " :\t\n", &save); tok; tok = strtok_r(NULL, " :\t\n", &save))
		search_add(s, tok);
	free(buf);
}

/* What one object offers: its prefix, or NULL (not an allocator). */
static const char *look_at(const char *path, const char **name)
{
	const char *prefix;
	struct syms *syms;
	int err;

	syms = syms__load(path, &err);
	if (!syms)
		return NULL;
	prefix = allocator_prefix_of(syms);
	/* Every prefix is a string literal of prefixes[]: it outlives syms. */
	*name = prefix ? allocator_name_of(syms) : NULL;
	syms__free(syms);
	return prefix;
}

static void take(struct allocator *a, const char *object, const char *path, const char *prefix,
		 const char *name)
{
	a->found = true;
	if (object) {
		snprintf(a->object_buf, sizeof(a->object_buf), "%s", object);
		a->object = a->object_buf;
	} else {
		a->object = NULL;
	}
	snprintf(a->path, sizeof(a->path), "%s", path);
	snprintf(a->prefix, sizeof(a->prefix), "%s", prefix);
	a->name = name;
}

static int find_forced(const struct target *t, const char *forced, struct allocator *a)
{
	const char *prefix, *name = NULL;
	char path[PATH_MAX];
	struct syms *syms;
	int err;

	if (target_find_object(t, forced, path, sizeof(path))) {
		if (t->nr_pids && !t->child_started)
			return sonde_fail(SONDE_EXIT_INPUT,
					  "the allocator '%s' is not mapped by PID %d (statically "
					  "linked? try: --allocator /proc/%d/exe)",
					  forced, t->pids[0], t->pids[0]);
		return sonde_fail(SONDE_EXIT_INPUT,
				  "the allocator '%s' was not found (give its path: --allocator "
				  "/path/to/lib.so)",
				  forced);
	}
	syms = syms__load(path, &err);
	if (!syms)
		return sonde_fail(SONDE_EXIT_INPUT, "cannot read the allocator %s: %s",
				  object_shown_path(path), strerror(-err));
	prefix = allocator_prefix_of(syms);
	if (prefix)
		name = allocator_name_of(syms);
	syms__free(syms);
	if (!prefix)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "%s defines no malloc(): not an allocator (try: --allocator "
				  "libjemalloc.so.2, or the binary that links one statically)",
				  object_shown_path(path));
	take(a, forced, path, prefix, name);
	return 0;
}

/* Nothing to probe: say what is not seen, and what to try. */
static void say_unseen(struct allocator *a, const struct target *t, bool is_static, bool go)
{
	const char *exe = object_shown_path(t->exe);

	if (go)
		snprintf(a->unseen, sizeof(a->unseen),
			 "Go's heap (runtime.mallocgc) is not seen: %s calls no malloc; only RSS "
			 "and anonymous mappings are (for Go's heap try its pprof: "
			 "/debug/pprof/heap)",
			 exe);
	else if (is_static)
		snprintf(a->unseen, sizeof(a->unseen),
			 "the heap is not seen: %s is statically linked and its malloc has no "
			 "symbol (stripped); only RSS and anonymous mappings are (try: an "
			 "unstripped build, or --allocator OBJECT)",
			 exe);
	else
		snprintf(a->unseen, sizeof(a->unseen),
			 "the heap is not seen: no object of %s defines malloc(); only RSS and "
			 "anonymous mappings are (try: --allocator OBJECT)",
			 exe);
}

/*
 * The program a script runs under: the interpreter its "#!" line names,
 * followed through interpreters that are scripts themselves (a few levels,
 * as the kernel does). 0 with the path in interp, -ENOEXEC for a file that
 * is not a script.
 */
static int script_interpreter(const char *path, char *interp, size_t len)
{
	char buf[256], *p, *end;
	int level, found = 0;
	ssize_t n;
	int fd;

	snprintf(interp, len, "%s", path);
	for (level = 0; level < 4; level++) {
		fd = open(interp, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			break;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n < 3 || buf[0] != '#' || buf[1] != '!')
			break;
		buf[n] = '\0';
		for (p = buf + 2; *p == ' ' || *p == '\t'; p++)
			;
		end = p + strcspn(p, " \t\r\n");
		if (end == p || *p != '/')
			break;
		*end = '\0';
		snprintf(interp, len, "%s", p);
		found = 1;
	}
	return found ? 0 : -ENOEXEC;
}

static bool exe_is_go(const struct target *t)
{
	struct syms *syms;
	bool go;
	int err;

	syms = syms__load(t->exe, &err);
	go = syms && (syms__runtime(syms) & SYMS_RT_GO);
	syms__free(syms);
	return go;
}

int allocator_find(const struct target *t, const char *forced, struct allocator *a)
{
	const char *prefix, *name, *pre_name = NULL;
	char path[PATH_MAX], pre_object[PATH_MAX] = "", pre_path[PATH_MAX] = "";
	const char *pre_prefix = NULL, *exe = t->exe;
	char interp[PATH_MAX];
	struct search s = {0};
	bool is_static = false, go;
	size_t i;

	memset(a, 0, sizeof(*a));
	go = exe_is_go(t);
	if (go)
		snprintf(a->unseen, sizeof(a->unseen),
			 "Go's heap (runtime.mallocgc) is not seen, only C allocations (cgo) and "
			 "RSS (for Go's heap try its pprof: /debug/pprof/heap)");
	if (forced)
		return find_forced(t, forced, a);
	/* A script (-- ./run.sh, a pyenv shim): the allocator of its interpreter. */
	if (!script_interpreter(t->exe, interp, sizeof(interp))) {
		sonde_info("%s is a script: the allocator of %s", object_shown_path(t->exe),
			   interp);
		exe = interp;
	}
	prefix = look_at(exe, &name);
	if (prefix && !*prefix) {
		take(a, exe == t->exe ? NULL : exe, exe, prefix, name);
		return 0;
	}
	if (prefix) {
		pre_prefix = prefix;
		pre_name = name;
		snprintf(pre_path, sizeof(pre_path), "%s", exe);
		if (exe != t->exe)
			snprintf(pre_object, sizeof(pre_object), "%s", exe);
	}
	add_preloads(&s, t);
	add_needed(&s, exe, &is_static);
	for (i = 0; i < s.nr && !a->found; i++) {
		if (target_find_object(t, s.names[i], path, sizeof(path))) {
			sonde_info("allocator search: %s not found", s.names[i]);
			continue;
		}
		prefix = look_at(path, &name);
		if (prefix && !*prefix)
			take(a, s.names[i], path, prefix, name);
		else if (prefix && !pre_prefix) {
			pre_prefix = prefix;
			pre_name = name;
			snprintf(pre_object, sizeof(pre_object), "%s", s.names[i]);
			snprintf(pre_path, sizeof(pre_path), "%s", path);
		}
		add_needed(&s, path, NULL);
	}
	search_free(&s);
	/*
	 * A jemalloc built with a prefix (je_malloc) beside libc's malloc: the
	 * program calls it by that name (redis's zmalloc does), libc's serves only
	 * the libraries. The program's own allocations are the ones asked about.
	 */
	if (pre_prefix && (!a->found || !strcmp(a->name, "libc"))) {
		if (a->found)
			sonde_info("libc's malloc (%s) is not traced: the program allocates with "
				   "%s's %smalloc",
				   object_shown_path(a->path), pre_name, pre_prefix);
		take(a, pre_object[0] ? pre_object : NULL, pre_path, pre_prefix, pre_name);
	}
	if (!a->found)
		say_unseen(a, t, is_static, go);
	return 0;
}
