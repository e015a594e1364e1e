// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/utsname.h>
#include "core/bpf_obj.h"
#include "probe/attach.h"
#include "core/test_knobs.h"
#include "probe/uprobe_insn.h"
#include "core/util.h"

struct attachment {
	struct bpf_links links; /* entries before returns: freed the other way round */
};

bool attach_use_multi(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	/* Lets the tests exercise the per-function fallback on a new kernel. */
	if (test_knobs()->no_uprobe_multi)
		return false;
	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 6);
}

void attach_select_progs(const struct probe_progs *p, bool multi)
{
	int k;

	for (k = 0; k < PROBE_PROG__COUNT; k++) {
		if (p->multi[k])
			bpf_program__set_autoload(p->multi[k], multi);
		if (p->single[k])
			bpf_program__set_autoload(p->single[k], !multi);
	}
}

/* The function id, and the probe's shape: what the calibration subtracts. */
static __u64 site_cookie(const struct probe_set *set, size_t i, size_t id_base)
{
	const struct probe_site *s = &set->sites[i];

	return (__u64)(id_base + i) | (s->choice.emulated ? 0 : SONDE_COOKIE_STEPPED) |
	       (s->ret == PROBE_RET_INSNS ? SONDE_COOKIE_INSNS : 0);
}

static __u64 exit_cookie(__u8 flags)
{
	return (flags & SONDE_EXIT_SOFT ? SONDE_COOKIE_EXIT_SOFT : 0) |
	       (flags & SONDE_EXIT_EMULATED ? SONDE_COOKIE_EXIT_EMULATED : 0) |
	       (flags & SONDE_EXIT_CHAINED ? SONDE_COOKIE_EXIT_CHAINED : 0);
}

/* The probes of one kind on one object: where, with what cookie, for which site. */
struct probe_list {
	unsigned long *offsets;
	__u64 *cookies;
	size_t *site;
	size_t nr, cap;
};

static int list_add(struct probe_list *l, unsigned long offset, __u64 cookie, size_t site)
{
	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		unsigned long *o = realloc(l->offsets, cap * sizeof(*o));
		__u64 *c = o ? realloc(l->cookies, cap * sizeof(*c)) : NULL;
		size_t *s = c ? realloc(l->site, cap * sizeof(*s)) : NULL;

		if (o)
			l->offsets = o;
		if (c)
			l->cookies = c;
		if (!s)
			return -ENOMEM;
		l->site = s;
		l->cap = cap;
	}
	l->offsets[l->nr] = offset;
	l->cookies[l->nr] = cookie;
	l->site[l->nr++] = site;
	return 0;
}

static void list_free(struct probe_list *l)
{
	free(l->offsets);
	free(l->cookies);
	free(l->site);
}

/* Which program probes what, for a site: its entry, or its return side. */
static bool site_uses(const struct probe_site *s, enum probe_prog k)
{
	switch (k) {
	case PROBE_PROG_ENTRY:
		return !s->go;
	case PROBE_PROG_ENTRY_GO:
		return s->go;
	case PROBE_PROG_RETURN:
		return s->ret == PROBE_RET_URETPROBE;
	case PROBE_PROG_EXIT:
		return s->ret == PROBE_RET_INSNS && !s->go;
	case PROBE_PROG_EXIT_GO:
		return s->ret == PROBE_RET_INSNS && s->go;
	case PROBE_PROG__COUNT:
		break;
	}
	return false;
}

/* Sites [first, first+cnt) of one object, those not refused: kind k's probes. */
static int list_build(struct probe_list *l, enum probe_prog k, const struct probe_set *set,
		      size_t first, size_t cnt, size_t id_base)
{
	size_t i, j;
	int err = 0;

	for (i = first; i < first + cnt && !err; i++) {
		const struct probe_site *s = &set->sites[i];

		if (s->refused_at_attach || !site_uses(s, k))
			continue;
		if (k != PROBE_PROG_EXIT && k != PROBE_PROG_EXIT_GO) {
			err = list_add(l, s->offset, site_cookie(set, i, id_base), i);
			continue;
		}
		for (j = 0; j < s->exits.nr && !err; j++)
			err = list_add(l, (unsigned long)((__s64)s->func_offset + s->exits.offsets[j]),
				       site_cookie(set, i, id_base) | exit_cookie(s->exits.flags[j]),
				       i);
	}
	return err;
}

/*
 * The kernel refuses some instructions (uprobe_insn.h says which, and site
 * choice keeps off them; this is for what its rules missed): one refused
 * probe fails a whole uprobe_multi link with ENOTSUPP, ENOEXEC for bytes it
 * cannot decode, or EINVAL for an offset it cannot use.
 */
static bool is_refusal(int err)
{
	return err == -SONDE_ENOTSUPP || err == -ENOEXEC || err == -EINVAL;
}

static int attach_link(struct attachment *a, struct bpf_program *prog, bool multi, bool retprobe,
		       const char *object, pid_t pid, const struct probe_list *l, size_t lo,
		       size_t cnt)
{
	struct bpf_link *link;

	if (multi) {
		LIBBPF_OPTS(bpf_uprobe_multi_opts, opts, .offsets = l->offsets + lo,
			    .cookies = l->cookies + lo, .cnt = cnt, .retprobe = retprobe);

		link = bpf_program__attach_uprobe_multi(prog, pid, object, NULL, &opts);
	} else {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = l->cookies[lo],
			    .retprobe = retprobe);

		link = bpf_program__attach_uprobe_opts(prog, pid, object, l->offsets[lo], &opts);
	}
	if (!link)
		return -errno;
	return bpf_links_keep(&a->links, link);
}

/*
 * Probes [lo, lo+cnt) of a list. A refused range is halved until each refused
 * probe stands alone; its function is then skipped by name and the rest is
 * attached in a few links. Without uprobe_multi, one link per probe.
 */
static int attach_list(struct attachment *a, struct bpf_program *prog, bool multi,
		       bool retprobe, struct probe_set *set, pid_t pid,
		       const struct probe_list *l, size_t lo, size_t cnt)
{
	const char *object;
	int err;

	if (!cnt || (cnt == 1 && set->sites[l->site[lo]].refused_at_attach))
		return 0;
	object = set->sites[l->site[lo]].object;
	if (!multi && cnt > 1) {
		for (err = 0; !err && cnt--; lo++)
			err = attach_list(a, prog, multi, retprobe, set, pid, l, lo, 1);
		return err;
	}
	err = attach_link(a, prog, multi, retprobe, object, pid, l, lo, cnt);
	if (is_refusal(err) && cnt > 1) {
		err = attach_list(a, prog, multi, retprobe, set, pid, l, lo, cnt / 2);
		if (!err)
			err = attach_list(a, prog, multi, retprobe, set, pid, l, lo + cnt / 2,
					  cnt - cnt / 2);
		return err;
	}
	if (is_refusal(err))
		return probe_set_skip(set, l->site[lo],
				      err == -EINVAL	? "the kernel refused a uprobe there (EINVAL)"
				      : err == -ENOEXEC ? "the kernel cannot decode the probed "
							  "instruction (ENOEXEC)"
							: "the kernel refused a uprobe on its probed "
							  "instruction (ENOTSUPP)");
	return err;
}

/*
 * The return side before the entries: a call already running when its
 * return probe lands has no entry and is counted as an orphan return,
 * instead of leaving a frame that no return will ever pop. A return probe
 * and its entry probe the same instruction, so the return link finds the
 * refused sites for both.
 */
static const struct {
	enum probe_prog kind;
	bool retprobe;
} attach_order[] = {
    {PROBE_PROG_RETURN, true},	  {PROBE_PROG_EXIT, false},  {PROBE_PROG_EXIT_GO, false},
    {PROBE_PROG_ENTRY, false},	  {PROBE_PROG_ENTRY_GO, false},
};

static int attach_object(struct attachment *a, const struct probe_progs *p, bool multi,
			 struct probe_set *set, size_t first, size_t cnt, pid_t pid,
			 size_t id_base)
{
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(attach_order) / sizeof(attach_order[0]) && !err; i++) {
		enum probe_prog k = attach_order[i].kind;
		struct bpf_program *prog = multi ? p->multi[k] : p->single[k];
		struct probe_list l = {0};

		err = list_build(&l, k, set, first, cnt, id_base);
		if (!err && l.nr && !prog)
			err = -EOPNOTSUPP;
		if (!err)
			err = attach_list(a, prog, multi, attach_order[i].retprobe, set, pid, &l, 0,
					  l.nr);
		list_free(&l);
	}
	/* A process that exits takes its /proc/PID/root with it: ENOENT, not ESRCH. */
	if (err && pid > 0 && kill(pid, 0) && errno == ESRCH)
		return sonde_fail(SONDE_EXIT_SYSTEM,
				  "process %d exited while probes were being attached", pid);
	if (err)
		return sonde_fail(SONDE_EXIT_SYSTEM, "cannot attach uprobes to %s: %s",
				  object_shown_path(set->sites[first].object), uprobe_strerror(err));
	return 0;
}

int attach_probes(const struct probe_progs *p, bool multi, struct probe_set *set,
		  const struct target *t, struct attachment **out)
{
	return attach_probes_at(p, multi, set, t, 0, out);
}

int attach_probes_at(const struct probe_progs *p, bool multi, struct probe_set *set,
		     const struct target *t, size_t id_base, struct attachment **out)
{
	struct attachment *a = calloc(1, sizeof(*a));
	size_t first, end;
	int i, err = 0;

	if (!a)
		return -ENOMEM;
	for (first = 0; first < set->nr && !err; first = end) {
		for (end = first; end < set->nr; end++)
			if (strcmp(set->sites[end].object, set->sites[first].object))
				break;
		if (!target_has_pids(t)) {
			err = attach_object(a, p, multi, set, first, end - first, -1, id_base);
			continue;
		}
		for (i = 0; i < t->nr_pids && !err; i++)
			err = attach_object(a, p, multi, set, first, end - first,
					    target_attach_pid(t, i), id_base);
	}
	if (err) {
		attachment_free(a);
		return err;
	}
	*out = a;
	return 0;
}

size_t attachment_nr_links(const struct attachment *a)
{
	return a ? a->links.nr : 0;
}

void attachment_free(struct attachment *a)
{
	if (!a)
		return;
	bpf_links_free(&a->links);
	free(a);
}
