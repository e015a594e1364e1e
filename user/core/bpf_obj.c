// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/bpf_obj.h"
#include "core/util.h"

int bpf_obj_open_failed(void)
{
	return sonde_fail(SONDE_EXIT_SYSTEM, "cannot open the BPF object: %s", strerror(errno));
}

int bpf_obj_load_failed(int err)
{
	return sonde_fail(SONDE_EXIT_SYSTEM,
			  "cannot load BPF programs: %s (is BPF enabled? try -v)", strerror(-err));
}

int bpf_links_keep(struct bpf_links *l, struct bpf_link *link)
{
	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct bpf_link **v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			bpf_link__destroy(link);
			return -ENOMEM;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->nr++] = link;
	return 0;
}

int bpf_links_attach(struct bpf_links *l, struct bpf_program *const *progs, size_t n)
{
	struct bpf_link *link;
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		if (!progs[i] || !bpf_program__autoload(progs[i]))
			continue;
		link = bpf_program__attach(progs[i]);
		if (!link)
			return sonde_fail(SONDE_EXIT_SYSTEM, "cannot attach %s: %s",
					  bpf_program__name(progs[i]), strerror(errno));
		err = bpf_links_keep(l, link);
		if (err)
			return err;
	}
	return 0;
}

void bpf_links_free(struct bpf_links *l)
{
	size_t i;

	for (i = l->nr; i > 0; i--)
		bpf_link__destroy(l->v[i - 1]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int bpf_obj_ring_buffer(int map_fd, ring_buffer_sample_fn fn, void *ctx, struct ring_buffer **out)
{
	*out = ring_buffer__new(map_fd, fn, ctx, NULL);
	if (!*out)
		return sonde_fail(SONDE_EXIT_SYSTEM, "cannot open the ring buffer: %s",
				  strerror(errno));
	return 0;
}

int bpf_obj_drain(struct ring_buffer *rb)
{
	int n;

	if (!rb)
		return 0;
	n = ring_buffer__consume(rb);
	fflush(stdout);
	return n < 0 ? n : 0;
}
