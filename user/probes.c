// SPDX-License-Identifier: GPL-2.0
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include "probes.h"
#include "util.h"

/* Each object's symbols are read once however many specs name it. */
struct object_syms {
	char path[4096];
	struct syms *syms;
	const unsigned char *code; /* the file, mapped: where site choice reads instructions */
	size_t code_len;
};

/*
 * Site choice is on by default (--no-site-choice turns it off for the run),
 * and keeps the argument registers intact unless told the probes read none.
 */
static bool site_choice_enabled = true;
static bool site_keeps_args = true;

void probes_site_choice(bool on)
{
	site_choice_enabled = on;
}

void probes_read_args(bool reads)
{
	site_keeps_args = reads;
}

struct resolver {
	const struct target *t;
	struct object_syms *objs;
	size_t nr_objs;
	struct probe_set *set;
	size_t cap;
};

const char *object_shown_path(const char *path)
{
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
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			o->code = m;
			o->code_len = (size_t)st.st_size;
		}
	}
	close(fd);
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
	return 0;
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

/* The entry probe's instruction: past an endbr64 or a test when that is safe. */
static void choose_site(const struct object_syms *obj, const struct sym *sym,
			struct probe_site *site)
{
	size_t len = sym->size;

	site->choice.reason = SITE_DECODE_FAILED;
	if (obj->code && sym->offset < obj->code_len) {
		if (len > obj->code_len - sym->offset)
			len = obj->code_len - sym->offset;
		/* Decoded even with --no-site-choice: the calibration must know the shape. */
		site_choose(obj->code + sym->offset, len, sym->vaddr, site_keeps_args,
			    site_choice_enabled, &site->choice);
	}
	site->offset = sym->offset + site->choice.offset;
	sonde_info("%s: probe at +%u (%s): %s", site->name, site->choice.offset,
		   site->choice.chosen[0] ? site->choice.chosen : "?",
		   site_reason_text(site->choice.reason));
}

static int add_site(struct resolver *r, const struct object_syms *obj, const struct sym *sym)
{
	const char *path = obj->path;
	struct probe_set *set = r->set;
	struct probe_site *site;
	size_t i;

	for (i = 0; i < set->nr; i++) {
		site = &set->sites[i];
		if (site->vaddr != sym->vaddr || strcmp(site->object, path))
			continue;
		/* An alias of a site already chosen: traced once, under the better name. */
		return 0;
	}
	if (set->nr == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct probe_site *v = realloc(set->sites, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		set->sites = v;
		r->cap = cap;
	}
	site = &set->sites[set->nr];
	memset(site, 0, sizeof(*site));
	site->object = strdup(path);
	site->name = strdup(sym->demangled ? sym->demangled : sym->name);
	if (!site->object || !site->name)
		return -ENOMEM;
	site->func_offset = sym->offset;
	site->vaddr = sym->vaddr;
	site->size = sym->size;
	choose_site(obj, sym, site);
	set->nr++;
	return 0;
}

/* glibc names an IFUNC's implementations "__memcpy_avx_unaligned_erms" and the like. */
static bool is_ifunc_impl(const char *name, const char *ifunc)
{
	size_t n = strlen(ifunc);

	while (*name == '_')
		name++;
	return !strncmp(name, ifunc, n) && name[n] == '_';
}

static void list_ifunc_impls(const struct syms *syms, const struct sym *ifunc, char *buf,
			     size_t len)
{
	size_t i, n = 0, used = 0;

	snprintf(buf, len, "; its implementations are local symbols, not in this object's tables");
	for (i = 0; i < syms__count(syms) && n < 4; i++) {
		const struct sym *s = syms__get(syms, i);

		if (s->ifunc || !s->size || !is_ifunc_impl(s->name, ifunc->name))
			continue;
		used += snprintf(buf + used, len - used, "%s%s",
				 n ? ", " : "; probe one of: ", s->name);
		if (used >= len)
			break;
		n++;
	}
}

/* An IFUNC that matched next to real functions is skipped, but never silently. */
static void warn_ifunc(const struct syms *syms, const struct sym *ifunc, const char *path)
{
	char impls[512];

	list_ifunc_impls(syms, ifunc, impls, sizeof(impls));
	sonde_say("note: '%s' in %s is an IFUNC, not probed (its implementation is chosen at "
		  "load time)%s",
		  ifunc->name, object_shown_path(path), impls);
}

static int no_match(struct resolver *r, const struct probe_spec *spec, const char *path,
		    const struct syms *syms, const struct sym *ifunc, size_t zero_size)
{
	const char *shown = object_shown_path(path), *names[3];
	char impls[512], hint[1024] = "", list_cmd[4200];
	size_t n, i, used = 0;

	if (ifunc) {
		list_ifunc_impls(syms, ifunc, impls, sizeof(impls));
		return sonde_fail(SONDE_EXIT_INPUT,
				  "'%s' in %s is an IFUNC (its implementation is chosen at load "
				  "time), not probed%s",
				  ifunc->name, shown, impls);
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
	if (!syms__has_symtab(syms))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "no function matches '%s' in %s: it is stripped, and its %zu "
				  "exported functions (.dynsym) do not include it; use an "
				  "unstripped build or debug symbols (try: %s)",
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

static int resolve_spec(struct resolver *r, const struct probe_spec *spec)
{
	const struct sym *ifunc = NULL, **best = NULL;
	size_t i, j, matched = 0, zero_size = 0, nr;
	struct object_syms *obj = NULL;
	struct syms *syms;
	char path[4096];
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
	if (!best)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		const struct sym *s = syms__get(syms, i);

		if (!glob_matches_sym(spec->glob, s))
			continue;
		if (s->ifunc) {
			sonde_info("skipping %s in %s: an IFUNC resolver, not the function",
				   s->name, object_shown_path(path));
			ifunc = ifunc ? ifunc : s;
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
	if (!matched) {
		free(best);
		return no_match(r, spec, path, syms, ifunc, zero_size);
	}
	if (ifunc)
		warn_ifunc(syms, ifunc, path);
	for (i = 0; i < matched && !err; i++)
		err = add_site(r, obj, best[i]);
	free(best);
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

int probes_resolve(const struct target *t, const struct probe_spec *specs, size_t nr_specs,
		   size_t max_probes, struct probe_set *set)
{
	struct resolver r = {.t = t, .set = set};
	size_t i;
	int err = 0;

	memset(set, 0, sizeof(*set));
	for (i = 0; i < nr_specs && !err; i++)
		err = resolve_spec(&r, &specs[i]);
	if (!err && set->nr > max_probes)
		err = sonde_fail(SONDE_EXIT_INPUT,
				 "the probes match %zu functions, more than --max-probes %zu; "
				 "narrow the patterns or raise --max-probes",
				 set->nr, max_probes);
	if (!err)
		qsort(set->sites, set->nr, sizeof(*set->sites), site_cmp);
	for (i = 0; i < r.nr_objs; i++) {
		syms__free(r.objs[i].syms);
		if (r.objs[i].code)
			munmap((void *)r.objs[i].code, r.objs[i].code_len);
	}
	free(r.objs);
	if (err)
		probe_set_free(set);
	return err;
}

void probe_set_free(struct probe_set *set)
{
	size_t i;

	for (i = 0; i < set->nr; i++) {
		free(set->sites[i].object);
		free(set->sites[i].name);
	}
	free(set->sites);
	memset(set, 0, sizeof(*set));
}
