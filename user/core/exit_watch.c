// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include "core/exit_watch.h"
#include "exits.skel.h"
#include "core/test_knobs.h"

/* No wait status has bits above the low 16: this one means "not exited yet". */
#define EXIT_WATCH_RUNNING 0xffffffffU

struct exit_watch {
	struct exits_bpf *skel;
};

int exit_watch__open(const pid_t *pids, int nr, struct exit_watch **out)
{
	__u32 running = EXIT_WATCH_RUNNING, key;
	struct exit_watch *w;
	int i, fd, err;

	*out = NULL;
	/* Test knob: the path taken where the object cannot load (no BTF, an old kernel). */
	if (test_knobs()->no_exit_watch)
		return -EOPNOTSUPP;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->skel = exits_bpf__open();
	if (!w->skel) {
		err = -errno;
		goto cleanup;
	}
	err = bpf_map__set_max_entries(w->skel->maps.watched, nr > 0 ? (__u32)nr : 1);
	if (!err)
		err = exits_bpf__load(w->skel);
	if (err)
		goto cleanup;
	fd = bpf_map__fd(w->skel->maps.watched);
	for (i = 0; i < nr; i++) {
		key = (__u32)pids[i];
		if (bpf_map_update_elem(fd, &key, &running, BPF_ANY)) {
			err = -errno;
			goto cleanup;
		}
	}
	/* Attached after the map is filled: no exit of a watched process is half-seen. */
	err = exits_bpf__attach(w->skel);
	if (err)
		goto cleanup;
	*out = w;
	return 0;
cleanup:
	exit_watch__close(w);
	return err;
}

int exit_watch__status(const struct exit_watch *w, pid_t pid, int *status)
{
	__u32 key = (__u32)pid, value;

	if (!w || bpf_map_lookup_elem(bpf_map__fd(w->skel->maps.watched), &key, &value) ||
	    value == EXIT_WATCH_RUNNING)
		return -ENOENT;
	*status = (int)value;
	return 0;
}

unsigned long exit_watch__forks(const struct exit_watch *w, pid_t *from)
{
	if (!w)
		return 0;
	*from = (pid_t)w->skel->bss->forked_from;
	return (unsigned long)w->skel->bss->forks;
}

void exit_watch__close(struct exit_watch *w)
{
	if (!w)
		return;
	exits_bpf__destroy(w->skel);
	free(w);
}
