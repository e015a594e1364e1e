// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/utsname.h>
#include "attach.h"
#include "uprobe_insn.h"
#include "util.h"

struct attachment {
	struct bpf_link **links;
	size_t nr, cap;
};

bool attach_use_multi(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	/* Lets the tests exercise the per-function fallback on a new kernel. */
	if (getenv("SONDE_NO_UPROBE_MULTI"))
		return false;
	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 6);
}

void attach_select_progs(const struct probe_progs *p, bool multi)
{
	bpf_program__set_autoload(p->entry_multi, multi);
	bpf_program__set_autoload(p->ret_multi, multi);
	bpf_program__set_autoload(p->entry_single, !multi);
	bpf_program__set_autoload(p->ret_single, !multi);
}

static int keep_link(struct attachment *a, struct bpf_link *link)
{
	if (a->nr == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct bpf_link **v = realloc(a->links, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->links = v;
		a->cap = cap;
	}
	a->links[a->nr++] = link;
	return 0;
}

/* The function id, and whether the kernel single-steps the probed instruction. */
static __u64 site_cookie(const struct probe_set *set, size_t i, size_t id_base)
{
	return (__u64)(id_base + i) | (set->sites[i].choice.emulated ? 0 : SONDE_COOKIE_STEPPED);
}

/* Sites [first, first+cnt) share one object: one link for those not refused. */
static int attach_multi(struct attachment *a, struct bpf_program *prog, bool retprobe,
			const struct probe_set *set, size_t first, size_t cnt, pid_t pid,
			size_t id_base)
{
	LIBBPF_OPTS(bpf_uprobe_multi_opts, opts);
	unsigned long *offsets;
	__u64 *cookies;
	struct bpf_link *link;
	size_t i, n = 0;
	int err;

	offsets = calloc(cnt, sizeof(*offsets));
	cookies = calloc(cnt, sizeof(*cookies));
	if (!offsets || !cookies) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = first; i < first + cnt; i++) {
		if (set->sites[i].refused_at_attach)
			continue;
		offsets[n] = set->sites[i].offset;
		cookies[n++] = site_cookie(set, i, id_base);
	}
	err = 0;
	if (!n)
		goto cleanup;
	opts.offsets = offsets;
	opts.cookies = cookies;
	opts.cnt = n;
	opts.retprobe = retprobe;
	link = bpf_program__attach_uprobe_multi(prog, pid, set->sites[first].object, NULL, &opts);
	if (!link) {
		err = -errno;
		goto cleanup;
	}
	err = keep_link(a, link);
	if (err)
		bpf_link__destroy(link);
cleanup:
	free(offsets);
	free(cookies);
	return err;
}

static int attach_single(struct attachment *a, struct bpf_program *prog, bool retprobe,
			 const struct probe_set *set, size_t i, pid_t pid, size_t id_base)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = site_cookie(set, i, id_base),
		    .retprobe = retprobe);
	struct bpf_link *link;
	int err;

	link = bpf_program__attach_uprobe_opts(prog, pid, set->sites[i].object,
					       set->sites[i].offset, &opts);
	if (!link)
		return -errno;
	err = keep_link(a, link);
	if (err)
		bpf_link__destroy(link);
	return err;
}

/*
 * The kernel refuses some instructions (uprobe_insn.h says which, and site
 * choice keeps off them; this is for what its rules missed): one refused
 * site fails a whole uprobe_multi link with ENOTSUPP, or EINVAL for an
 * offset it cannot use.
 */
static bool is_refusal(int err)
{
	return err == -SONDE_ENOTSUPP || err == -EINVAL;
}

/*
 * Returns before entries: a call already running when its return probe
 * lands has no entry and is counted as an orphan return, instead of leaving
 * a frame that no return will ever pop. The two probe the same instruction,
 * so the return link finds the refused sites for both: a refused range is
 * halved until each refused site stands alone, which is then skipped by
 * name, and the rest is attached in a few links.
 */
static int attach_range(struct attachment *a, const struct probe_progs *p, bool multi,
			struct probe_set *set, size_t first, size_t cnt, pid_t pid, size_t id_base)
{
	int err;

	if (multi)
		err = attach_multi(a, p->ret_multi, true, set, first, cnt, pid, id_base);
	else if (set->sites[first].refused_at_attach)
		return 0;
	else
		err = attach_single(a, p->ret_single, true, set, first, pid, id_base);
	if (is_refusal(err) && cnt > 1) {
		err = attach_range(a, p, multi, set, first, cnt / 2, pid, id_base);
		if (!err)
			err = attach_range(a, p, multi, set, first + cnt / 2, cnt - cnt / 2, pid,
					   id_base);
		return err;
	}
	if (is_refusal(err))
		return probe_set_skip(set, first,
				      err == -EINVAL ? "the kernel refused a uprobe there (EINVAL)"
						     : "the kernel refused a uprobe on its probed "
						       "instruction (ENOTSUPP)");
	if (err)
		return err;
	if (multi)
		return attach_multi(a, p->entry_multi, false, set, first, cnt, pid, id_base);
	return attach_single(a, p->entry_single, false, set, first, pid, id_base);
}

static int attach_object(struct attachment *a, const struct probe_progs *p, bool multi,
			 struct probe_set *set, size_t first, size_t cnt, pid_t pid,
			 size_t id_base)
{
	size_t i;
	int err = 0;

	if (multi)
		err = attach_range(a, p, multi, set, first, cnt, pid, id_base);
	for (i = first; !multi && !err && i < first + cnt; i++)
		err = attach_range(a, p, multi, set, i, 1, pid, id_base);
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
			err = attach_object(a, p, multi, set, first, end - first, t->pids[i],
					    id_base);
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
	return a ? a->nr : 0;
}

void attachment_free(struct attachment *a)
{
	size_t i;

	if (!a)
		return;
	/* Detach entries before returns, the reverse of attaching. */
	for (i = a->nr; i > 0; i--)
		bpf_link__destroy(a->links[i - 1]);
	free(a->links);
	free(a);
}
