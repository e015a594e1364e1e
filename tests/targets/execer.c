// SPDX-License-Identifier: GPL-2.0
/*
 * execer [N [STATUS]]: tick() N times (default 100), then exec_outer() calls
 * exec_inner(), which execs this program again as "execer --after STATUS":
 * two traced calls are in progress when exec replaces the program, and their
 * returns never come. The new program calls tick() AFTER_TICKS times and
 * exits with STATUS (default 0). Prints "before=N" and then "after=5".
 */
#include <unistd.h>
#include "targets.h"

#define AFTER_TICKS 5

static volatile unsigned long long ticks;

__attribute__((noinline)) void tick(void)
{
	TGT_ENTRY();
	ticks++;
}

__attribute__((noinline)) void exec_inner(char *status)
{
	char *argv[] = {"execer", "--after", status, NULL};

	TGT_ENTRY();
	execv("/proc/self/exe", argv);
	perror("execer: execv");
	exit(127);
}

__attribute__((noinline)) void exec_outer(char *status)
{
	TGT_ENTRY();
	exec_inner(status);
}

int main(int argc, char **argv)
{
	unsigned long long n, want;

	tgt_init();
	if (argc > 2 && !strcmp(argv[1], "--after")) {
		for (n = 0; n < AFTER_TICKS; n++)
			tick();
		printf("after=%llu\n", ticks);
		return atoi(argv[2]);
	}
	want = tgt_arg(argc, argv, 1, 100);
	for (n = 0; n < want; n++)
		tick();
	printf("before=%llu\n", ticks);
	fflush(stdout);
	exec_outer(argc > 2 ? argv[2] : "0");
	return 1;
}
