// SPDX-License-Identifier: GPL-2.0
/* PROBE globs matched against the objects' symbols: the probe set (probes.h). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include "probe/ifunc.h"
#include "probe/ifunc_site.h"
#include "probe/probes_priv.h"
#include "core/util.h"

const char *object_shown_path(const char *path)
{
	const char *deleted = target_object_shown(path);

	/* Deleted or replaced while mapped: opened through /proc, named as it was. */
	if (deleted)
		return deleted;
	/* "/proc/123/root/usr/lib/x.so" reads better as "/usr/lib/x.so". */
	if (!strncmp(path, "/proc/", 6)) {
		const char *root = strstr(path, "/root/");

		if (root)
			return root + 5;
	}
	return path;
}

static int object_path(struct resolver *r, const struct probe_spec *spec, char *path, size_t len)
{
	const struct target *t = r->t;

	if (!spec->object) {
		snprintf(path, len, "%s", t->exe);
		return 0;
	}
	if (!target_find_object(t, spec->object, path, len))
		return 0;
	if (t->nr_pids && !t->child_started)
		return sonde_fail(
		    SONDE_EXIT_INPUT,
		    "'%s' is not mapped by PID %d (see its libraries: cat /proc/%d/maps)",
		    spec->object, t->pids[0], t->pids[0]);
	return sonde_fail(SONDE_EXIT_INPUT,
			  "library '%s' not found (give its path: /path/to/%s.so:GLOB)",
			  spec->object, spec->object);
}

static void map_code(struct object_syms *o)
{
	struct stat st;
	void *m;
	int fd = open(o->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (!fstat(fd, &st) && st.st_size > 0) {
		/*
		 * Shared, not private: the kernel puts every uprobe of the file into
		 * each private mapping of it that could be executable (valid_vma() in
		 * kernel/events/uprobes.c), ours too, so another tracer's probe on
		 * malloc would read here as an int3 and refuse the site. A shared
		 * mapping shows the file as it is.
		 */
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (m != MAP_FAILED) {
			o->code = m;
			o->code_len = (size_t)st.st_size;
		}
	}
	close(fd);
}

/*
 * Probe sites are decoded as x86-64 and the BPF programs read 64-bit stack
 * slots: 32-bit code (gcc -m32, i386 packages) would be probed at wrong
 * sites and every return counted as an orphan. Refused, with the reason.
 */
static int check_machine(const struct object_syms *o)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)o->code;

	if (!o->code || o->code_len < sizeof(*eh))
		return 0; /* syms__load() read it: an ELF object, just not mappable here */
	if (eh->e_ident[EI_CLASS] == ELFCLASS64 && eh->e_machine == EM_X86_64)
		return 0;
	return sonde_fail(SONDE_EXIT_INPUT,
			  "'%s' is %s code: sonde traces x86-64 programs only (build it for "
			  "x86-64, or trace it with perf probe)",
			  object_shown_path(o->path),
			  eh->e_ident[EI_CLASS] == ELFCLASS32 ? "32-bit" : "non-x86-64");
}

static int load_object(struct resolver *r, const char *path, struct object_syms **out)
{
	struct object_syms *objs;
	struct syms *syms;
	size_t i;
	int err;

	for (i = 0; i < r->nr_objs; i++) {
		if (!strcmp(r->objs[i].path, path)) {
			*out = &r->objs[i];
			return 0;
		}
	}
	syms = syms__load(path, &err);
	if (!syms) {
		if (err == -ENOENT)
			return sonde_fail(SONDE_EXIT_INPUT, "'%s' does not exist",
					  object_shown_path(path));
		if (err == -ENOEXEC)
			return sonde_fail(SONDE_EXIT_INPUT,
					  "'%s' is not an ELF executable or library",
					  object_shown_path(path));
		return sonde_fail(SONDE_EXIT_INPUT, "cannot read '%s': %s", object_shown_path(path),
				  strerror(-err));
	}
	objs = realloc(r->objs, (r->nr_objs + 1) * sizeof(*objs));
	if (!objs) {
		syms__free(syms);
		return -ENOMEM;
	}
	r->objs = objs;
	memset(&objs[r->nr_objs], 0, sizeof(objs[0]));
	snprintf(objs[r->nr_objs].path, sizeof(objs[0].path), "%s", path);
	objs[r->nr_objs].syms = syms;
	map_code(&objs[r->nr_objs]);
	*out = &objs[r->nr_objs++];
	return check_machine(*out);
}

/* Among names at one address, show the one a person would type. */
static bool better_alias(const struct sym *a, const struct sym *b)
{
	int ua = a->name[0] == '_', ub = b->name[0] == '_';

	if (a->bind != b->bind)
		return a->bind == STB_GLOBAL || (a->bind == STB_WEAK && b->bind == STB_LOCAL);
	if (ua != ub)
		return !ua;
	return strlen(a->name) < strlen(b->name);
}


#define COLD_PART_WHY                                                                              \
	"a cold part gcc split off its function: jumped into, not called (a return probe "         \
	"there corrupts the program)"

/*
 * gcc moves a function's unlikely paths into "fn.cold" (C++: "fn() [clone
 * .cold]"), entered by a jump from fn with fn's frame still live. It has no
 * entry of its own: an entry probe there starts a call that never returns,
 * and a return probe overwrites a live stack slot.
 */
static bool is_cold_part(const char *name)
{
	return syms_cold_parent_len(name) > 0;
}

#define COMPAT_WHY                                                                                 \
	"an old version of the name, kept for programs linked against an older library (new "      \
	"programs call the default version)"

#define IFUNC_WHY "an IFUNC whose implementation in the target is not known"

/* Another definition of the same name, not the default version: memcpy@GLIBC_2.2.5. */
static bool has_default_version(const struct syms *syms, const struct sym *s)
{
	size_t i;

	for (i = 0; i < syms__count(syms); i++) {
		const struct sym *o = syms__get(syms, i);

		if (!o->compat && o->size && !strcmp(o->name, s->name))
			return true;
	}
	return false;
}

static pid_t target_pid(const struct resolver *r)
{
	return r->t->nr_pids && !r->t->child_started ? proc_live_task(r->t->pids[0]) : 0;
}

/* The IFUNC's implementation in the target, as a function to probe (ifunc_site.h). */
static int ifunc_site(struct resolver *r, struct object_syms *obj, const struct sym *ifunc,
		      struct sym *out, char *why, size_t len)
{
	struct ifunc_object o = {
	    .path = obj->path,
	    .shown = object_shown_path(obj->path),
	    .syms = obj->syms,
	    .code = obj->code,
	    .code_len = obj->code_len,
	    .pid = target_pid(r),
	    .better_name = better_alias,
	    .cache = &obj->ifuncs,
	};

	return ifunc_site_sym(&o, ifunc, out, why, len);
}

static int no_match(struct resolver *r, const struct probe_spec *spec, const char *path,
		    const struct syms *syms, const struct sym *ifunc, const char *ifunc_why,
		    size_t zero_size)
{
	const char *shown = object_shown_path(path), *names[3];
	char impls[512], hint[1024] = "", list_cmd[4200];
	size_t n, i, used = 0;

	if (ifunc) {
		ifunc_list_impls(syms, ifunc, impls, sizeof(impls));
		return sonde_fail(SONDE_EXIT_INPUT,
				  "'%s' in %s is an IFUNC (its implementation is chosen at load "
				  "time), not probed: %s; trace it with -p PID of a running "
				  "program%s",
				  ifunc->name, shown, ifunc_why, impls);
	}
	if (zero_size)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "'%s' in %s matches only symbols without a size (not functions "
				  "sonde can probe; see -v)",
				  spec->glob, shown);
	if (r->t->binary)
		snprintf(list_cmd, sizeof(list_cmd), "sonde list -b %s", r->t->binary);
	else if (r->t->nr_pids && !r->t->child_started)
		snprintf(list_cmd, sizeof(list_cmd), "sonde list -p %d", r->t->pids[0]);
	else
		snprintf(list_cmd, sizeof(list_cmd), "sonde list -b %s", shown);
	/* A stripped Go program lists every function in .gopclntab, unless it is corrupt. */
	if (!syms__has_symtab(syms) && syms__go_error(syms))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "no function matches '%s' in %s: it is stripped, and its Go "
				  "function table (.gopclntab) cannot be read: %s; use an "
				  "unstripped build (try: %s)",
				  spec->glob, shown, syms__go_error(syms), list_cmd);
	if (!syms__has_symtab(syms))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "no function matches '%s' in %s: it is stripped, and its %zu "
				  "exported functions (.dynsym) do not include it, and no debug file "
				  "was found for it (-v says where sonde looked); use an unstripped "
				  "build or install its debug symbols (try: %s)",
				  spec->glob, shown, syms__count(syms), list_cmd);
	n = glob_suggest(spec->glob, syms, names, 3);
	for (i = 0; i < n && used < sizeof(hint); i++)
		used += snprintf(hint + used, sizeof(hint) - used, "%s'%s'",
				 i ? ", " : "did you mean ", names[i]);
	if (n && used < sizeof(hint))
		snprintf(hint + used, sizeof(hint) - used, "? ");
	return sonde_fail(SONDE_EXIT_INPUT, "no function matches '%s' in %s (%stry: %s '%s')",
			  spec->glob, shown, hint, list_cmd, "*");
}

/* Every function the spec matched was skipped: say why, as an error. */
static int all_skipped(const struct probe_set *set, size_t first, const struct probe_spec *spec,
		       const char *path)
{
	const struct probe_skip *k = &set->skipped[first];
	size_t n = set->nr_skipped - first;

	if (n == 1)
		return sonde_fail(SONDE_EXIT_INPUT, "'%s' in %s is not probed: %s%s%s%s", k->name,
				  object_shown_path(path), k->why, k->insn[0] ? " (" : "", k->insn,
				  k->insn[0] ? ")" : "");
	return sonde_fail(
	    SONDE_EXIT_INPUT,
	    "none of the %zu functions '%s' matches in %s can be probed: %s is %s%s%s%s; "
	    "see: sonde list",
	    n, spec->glob, object_shown_path(path), k->name, k->why, k->insn[0] ? " (" : "",
	    k->insn, k->insn[0] ? ")" : "");
}

/* The IFUNCs a spec matched, each resolver once, under its best name (aliases share it). */
struct ifunc_matches {
	const struct sym **v;
	size_t nr;
};

static void ifunc_matches_add(struct ifunc_matches *m, const struct sym *s)
{
	size_t i;

	for (i = 0; i < m->nr; i++) {
		if (m->v[i]->vaddr == s->vaddr) {
			if (better_alias(s, m->v[i]))
				m->v[i] = s;
			return;
		}
	}
	m->v[m->nr++] = s;
}

/*
 * Probe each IFUNC at its implementation; one that cannot be resolved is
 * skipped with the reason. *probed counts the ones resolved; the first
 * reason is kept for the error when nothing else matched.
 */
static int add_ifuncs(struct resolver *r, struct object_syms *obj, const struct ifunc_matches *m,
		      bool others, size_t *probed, size_t *skipped, char *why, size_t len)
{
	char reason[256];
	struct sym site;
	size_t i;
	int err = 0;

	for (i = 0; i < m->nr && !err; i++) {
		err = ifunc_site(r, obj, m->v[i], &site, reason, sizeof(reason));
		if (!err) {
			err = probes_add_site(r, obj, &site);
			free((char *)site.name);
			(*probed)++;
			continue;
		}
		if (err != -ENOENT)
			return err;
		err = 0;
		if (!why[0])
			snprintf(why, len, "%s", reason);
		/* Next to functions that are probed: skipped, and said so. */
		if (!others)
			continue;
		err = probe_set_add_skip(r->set, obj->path, m->v[i]->name, IFUNC_WHY, reason);
		(*skipped)++;
	}
	return err;
}

/*
 * Skip what cannot be a probe's function: 1 for a cold part (listed as not
 * probed); 2 for an old version beside the default one (memcpy@GLIBC_2.2.5
 * next to memcpy, whose name the glob meant: said with -v only).
 */
static int skip_unprobeable(struct resolver *r, const struct syms *syms, const struct sym *s,
			    const char *path)
{
	int err;

	if (s->compat && has_default_version(syms, s)) {
		sonde_info("skipping %s at 0x%llx in %s: %s", s->name, (unsigned long long)s->vaddr,
			   object_shown_path(path), COMPAT_WHY);
		return 2;
	}
	if (!is_cold_part(s->name))
		return 0;
	err = probe_set_add_skip(r->set, path, s->demangled ? s->demangled : s->name, COLD_PART_WHY,
				 NULL);
	return err ? err : 1;
}

static int resolve_spec(struct resolver *r, const struct probe_spec *spec)
{
	const struct sym **best = NULL;
	struct ifunc_matches ifuncs = {0};
	size_t i, j, matched = 0, zero_size = 0, nr, cold = 0;
	size_t ifuncs_probed = 0, ifuncs_skipped = 0;
	size_t skipped_before = r->set->nr_skipped;
	struct object_syms *obj = NULL;
	char path[4096], ifunc_why[256] = "";
	struct syms *syms;
	int err;

	err = object_path(r, spec, path, sizeof(path));
	if (err)
		return err;
	err = load_object(r, path, &obj);
	if (err)
		return err;
	syms = obj->syms;
	nr = syms__count(syms);
	/* Symbols are sorted by address: aliases are neighbours. Pick one name per address. */
	best = calloc(nr ? nr : 1, sizeof(*best));
	ifuncs.v = calloc(nr ? nr : 1, sizeof(*ifuncs.v));
	if (!best || !ifuncs.v) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nr; i++) {
		const struct sym *s = syms__get(syms, i);

		if (!glob_matches_sym(spec->glob, s))
			continue;
		err = skip_unprobeable(r, syms, s, path);
		if (err < 0)
			goto out;
		if (err) {
			cold += err == 1;
			err = 0;
			continue;
		}
		if (s->ifunc) {
			ifunc_matches_add(&ifuncs, s);
			continue;
		}
		if (!s->size) {
			sonde_info("skipping %s in %s: zero-size symbol (no extent to probe)",
				   s->name, object_shown_path(path));
			zero_size++;
			continue;
		}
		for (j = matched; j > 0 && best[j - 1]->vaddr == s->vaddr; j--)
			;
		if (j < matched) {
			if (better_alias(s, best[j]))
				best[j] = s;
			continue;
		}
		best[matched++] = s;
	}
	/* An IFUNC alone (beside its old versions) that cannot be resolved is the error. */
	err = add_ifuncs(r, obj, &ifuncs, matched || cold, &ifuncs_probed, &ifuncs_skipped,
			 ifunc_why, sizeof(ifunc_why));
	if (err)
		goto out;
	if (!matched && !cold && !ifuncs_probed) {
		err = no_match(r, spec, path, syms, ifuncs.nr ? ifuncs.v[0] : NULL, ifunc_why,
			       zero_size);
		goto out;
	}
	for (i = 0; i < matched && !err; i++)
		err = probes_add_site(r, obj, best[i]);
	if (!err &&
	    r->set->nr_skipped - skipped_before == matched + cold + ifuncs_probed + ifuncs_skipped)
		err = all_skipped(r->set, skipped_before, spec, path);
out:
	free(best);
	free(ifuncs.v);
	return err;
}

static int site_cmp(const void *a, const void *b)
{
	const struct probe_site *x = a, *y = b;
	int c = strcmp(x->object, y->object);

	if (c)
		return c;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/*
 * A tail jump from one function whose returns are probed at its exits to
 * another such traced function in the same object: the first call goes on
 * in the second, as a return probe would see it, and ends when the second
 * returns (lat.bpf.c on_return(): chained). Sites are sorted by address.
 */
static int site_by_vaddr(const void *key, const void *elem)
{
	const struct probe_site *k = key, *e = elem;
	int c = strcmp(k->object, e->object);

	if (c)
		return c;
	return k->vaddr < e->vaddr ? -1 : k->vaddr > e->vaddr;
}

static void mark_chained_tail_calls(struct probe_set *set)
{
	struct probe_site key;
	size_t i, j;

	for (i = 0; i < set->nr; i++) {
		struct exit_sites *x = &set->sites[i].exits;

		if (set->sites[i].ret != PROBE_RET_INSNS || set->sites[i].go)
			continue;
		for (j = 0; j < x->nr; j++) {
			const struct probe_site *to;

			if (!(x->flags[j] & SONDE_EXIT_TAIL))
				continue;
			key.object = set->sites[i].object;
			key.vaddr = x->targets[j];
			to = bsearch(&key, set->sites, set->nr, sizeof(*set->sites), site_by_vaddr);
			if (to && to->ret == PROBE_RET_INSNS && !to->go)
				x->flags[j] |= SONDE_EXIT_CHAINED;
		}
	}
}

/* The main executable says what runtime every function of the process runs under. */
static int load_exe_runtime(struct resolver *r)
{
	struct object_syms *exe;
	int err;

	if (!r->t->exe[0])
		return 0;
	err = load_object(r, r->t->exe, &exe);
	if (!err)
		r->exe_runtime = syms__runtime(exe->syms);
	return err;
}

int probes_resolve(const struct target *t, const struct probe_spec *specs, size_t nr_specs,
		   const struct resolve_opts *o, struct probe_set *set)
{
	struct resolver r = {.t = t, .o = o, .set = set};
	size_t i, max_probes = o->max_probes;
	int err = 0;

	memset(set, 0, sizeof(*set));
	if (o->returns == RETURN_MODE_AUTO)
		err = load_exe_runtime(&r);
	for (i = 0; i < nr_specs && !err; i++)
		err = resolve_spec(&r, &specs[i]);
	if (!err && set->nr > max_probes)
		err = sonde_fail(SONDE_EXIT_INPUT,
				 "the probes match %zu functions, more than --max-probes %zu; "
				 "narrow the patterns or raise --max-probes",
				 set->nr, max_probes);
	if (!err) {
		qsort(set->sites, set->nr, sizeof(*set->sites), site_cmp);
		mark_chained_tail_calls(set);
	}
	for (i = 0; i < r.nr_objs; i++) {
		ifuncs__free(r.objs[i].ifuncs);
		syms__free(r.objs[i].syms);
		if (r.objs[i].code)
			munmap((void *)r.objs[i].code, r.objs[i].code_len);
	}
	free(r.objs);
	if (err)
		probe_set_free(set);
	return err;
}
