/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every capability's tracer (lat, mem) does alike with its BPF object
 * from user space: the messages when it cannot be opened or loaded, the
 * links of its tracepoints kept until the end, and the ring buffer of its
 * records, drained to stdout.
 */
#ifndef SONDE_BPF_OBJ_H
#define SONDE_BPF_OBJ_H

#include <stddef.h>
#include <bpf/libbpf.h>

/* "cannot open the BPF object" (after a skeleton's __open() returned NULL): -status. */
int bpf_obj_open_failed(void);
/* "cannot load BPF programs" for err (-errno) from sizing or loading: -status. */
int bpf_obj_load_failed(int err);

/* Links owned until bpf_links_free(), which destroys them newest first. */
struct bpf_links {
	struct bpf_link **v;
	size_t nr, cap;
};

/* Keep link; on -ENOMEM it is destroyed. */
int bpf_links_keep(struct bpf_links *l, struct bpf_link *link);
/* Attach and keep each of progs[] that is set to load (NULL ones are skipped);
 * a failure says which: "cannot attach NAME". 0 or -status. */
int bpf_links_attach(struct bpf_links *l, struct bpf_program *const *progs, size_t n);
void bpf_links_free(struct bpf_links *l);

/* The ring buffer of map_fd with fn handling each record: 0 or -status ("cannot open the
 * ring buffer"). */
int bpf_obj_ring_buffer(int map_fd, ring_buffer_sample_fn fn, void *ctx, struct ring_buffer **out);
/* Handle the records waiting (none without a ring buffer), their lines flushed: 0 or -errno. */
int bpf_obj_drain(struct ring_buffer *rb);

#endif
