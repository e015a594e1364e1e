// SPDX-License-Identifier: GPL-2.0
/* bench/floor BINARY FUNCTION [clock]: empty uprobe_multi entry+return probes
 * on one function until SIGINT — the cost any tracer pays before doing any
 * work; with "clock", probes that only read the clock (floor.bpf.c). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
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

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_uprobe_multi_opts, opts);
	struct bpf_link *entry = NULL, *ret = NULL;
	struct floor_bpf *skel = NULL;
	const struct sym *fn = NULL;
	unsigned long offset;
	struct syms *syms;
	size_t i;
	int err;

	if (argc != 3 && !(argc == 4 && !strcmp(argv[3], "clock"))) {
		fprintf(stderr, "usage: floor BINARY FUNCTION [clock]\n");
		return 2;
	}
	syms = syms__load(argv[1], &err);
	for (i = 0; syms && i < syms__count(syms); i++)
		if (!strcmp(syms__get(syms, i)->name, argv[2]))
			fn = syms__get(syms, i);
	if (!fn) {
		fprintf(stderr, "floor: %s not found in %s\n", argv[2], argv[1]);
		return 2;
	}
	offset = fn->offset;
	skel = floor_bpf__open_and_load();
	if (!skel)
		return 3;
	opts.offsets = &offset;
	opts.cnt = 1;
	opts.retprobe = true;
	ret = bpf_program__attach_uprobe_multi(argc == 4 ? skel->progs.clock_return
							 : skel->progs.floor_return,
					       -1, argv[1], NULL, &opts);
	opts.retprobe = false;
	entry = bpf_program__attach_uprobe_multi(argc == 4 ? skel->progs.clock_entry
							   : skel->progs.floor_entry,
						 -1, argv[1], NULL, &opts);
	if (!ret || !entry) {
		fprintf(stderr, "floor: attach failed: %s\n", strerror(errno));
		err = 3;
		goto cleanup;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "floor: attached\n");
	while (!stop)
		pause();
	err = 0;
cleanup:
	bpf_link__destroy(entry);
	bpf_link__destroy(ret);
	floor_bpf__destroy(skel);
	syms__free(syms);
	return err;
}
