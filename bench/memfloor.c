// SPDX-License-Identifier: GPL-2.0
/*
 * bench/memfloor PID LIBC [MALLOC_DELTA FREE_DELTA]: the floor for sonde mem —
 * empty probes of the shape sonde mem attaches (uprobe_multi entry + return on
 * malloc, entry on free) on PID's libc, until SIGINT; DELTA bytes past each
 * function's start (where sonde's probe-site choice puts them), 0 by default.
 * Reuses bench/floor.bpf.c's empty programs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "probe/elf_syms.h"
#include "floor.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long offset_of(const struct syms *syms, const char *name)
{
	size_t i;

	for (i = 0; i < syms__count(syms); i++)
		if (!strcmp(syms__get(syms, i)->name, name))
			return syms__get(syms, i)->offset;
	return 0;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_uprobe_multi_opts, opts);
	struct bpf_link *links[3] = {0};
	struct floor_bpf *skel = NULL;
	unsigned long malloc_off, free_off;
	struct syms *syms;
	int err = 3, pid, i;

	if (argc != 3 && argc != 5) {
		fprintf(stderr, "usage: memfloor PID LIBC [MALLOC_DELTA FREE_DELTA]\n");
		return 2;
	}
	pid = atoi(argv[1]);
	syms = syms__load(argv[2], &err);
	malloc_off = syms ? offset_of(syms, "malloc") : 0;
	free_off = syms ? offset_of(syms, "free") : 0;
	if (!malloc_off || !free_off) {
		fprintf(stderr, "memfloor: malloc/free not found in %s\n", argv[2]);
		return 2;
	}
	if (argc == 5) {
		malloc_off += strtoul(argv[3], NULL, 0);
		free_off += strtoul(argv[4], NULL, 0);
	}
	skel = floor_bpf__open_and_load();
	if (!skel)
		return 3;
	opts.cnt = 1;
	opts.offsets = &malloc_off;
	opts.retprobe = true;
	links[0] =
	    bpf_program__attach_uprobe_multi(skel->progs.floor_return, pid, argv[2], NULL, &opts);
	opts.retprobe = false;
	links[1] =
	    bpf_program__attach_uprobe_multi(skel->progs.floor_entry, pid, argv[2], NULL, &opts);
	opts.offsets = &free_off;
	links[2] =
	    bpf_program__attach_uprobe_multi(skel->progs.floor_entry, pid, argv[2], NULL, &opts);
	if (!links[0] || !links[1] || !links[2]) {
		fprintf(stderr, "memfloor: attach failed: %s\n", strerror(errno));
		goto cleanup;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "memfloor: attached\n");
	while (!stop)
		pause();
	err = 0;
cleanup:
	for (i = 2; i >= 0; i--)
		bpf_link__destroy(links[i]);
	floor_bpf__destroy(skel);
	syms__free(syms);
	return err;
}
