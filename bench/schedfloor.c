// SPDX-License-Identifier: GPL-2.0
/*
 * bench/schedfloor OBJECT KIND: attach the sched_switch and sched_wakeup
 * programs of OBJECT (build/bench/schedfloor.bpf.o) whose names end in _KIND
 * ("empty", "lookup", "peek", or "emptyswitch": sched_switch alone) until
 * SIGINT or SIGTERM: what a scheduler hook costs before it does any work of
 * its own.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#define MAX_LINKS 4

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && s[n - m - 1] == '_' && !strcmp(s + n - m, suffix);
}

int main(int argc, char **argv)
{
	struct bpf_link *links[MAX_LINKS] = {0};
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	int nlinks = 0, err = 0, i;

	if (argc != 3) {
		fprintf(stderr, "usage: schedfloor OBJECT empty|lookup|peek|emptyswitch\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		err = -errno;
		fprintf(stderr, "schedfloor: cannot open %s: %s\n", argv[1], strerror(-err));
		return 3;
	}
	bpf_object__for_each_program(prog, obj)
	    bpf_program__set_autoload(prog, ends_with(bpf_program__name(prog), argv[2]));
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "schedfloor: load failed: %s\n", strerror(-err));
		err = 3;
		goto cleanup;
	}
	bpf_object__for_each_program(prog, obj)
	{
		if (!bpf_program__autoload(prog) || nlinks == MAX_LINKS)
			continue;
		links[nlinks] = bpf_program__attach(prog);
		if (!links[nlinks]) {
			fprintf(stderr, "schedfloor: attach of %s failed: %s\n",
				bpf_program__name(prog), strerror(errno));
			err = 3;
			goto cleanup;
		}
		nlinks++;
	}
	if (!nlinks) {
		fprintf(stderr, "schedfloor: no program ends in _%s\n", argv[2]);
		err = 2;
		goto cleanup;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "schedfloor: attached %d programs\n", nlinks);
	while (!stop)
		pause();
	err = 0;
cleanup:
	for (i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	return err;
}
