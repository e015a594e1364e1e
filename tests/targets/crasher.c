// SPDX-License-Identifier: GPL-2.0
/*
 * crasher MODE N [BYTES]: call crash_step() N times, print "calls=N", then end
 * as MODE says, so a test knows both the exact count and how the process ended
 * (with BYTES, each crash_step() also leaks a malloc(BYTES), for sonde mem):
 *   segv       a write through a null pointer: SIGSEGV
 *   abort      abort(): SIGABRT (what std::terminate does)
 *   exit:CODE  exit(CODE)
 *   pause      wait, doing nothing, until killed (a test's kill -9); SIGTERM: exit 0
 *   deaf       SIGINT and SIGTERM ignored; calls crash_step() every 1 ms,
 *              N times (0: forever), then exit 0
 * With TGT_WAIT_USR1=1 it waits for SIGUSR1 first (targets.h).
 */
#include <stdbool.h>
#include <unistd.h>
#include "targets.h"

static unsigned long long steps;
static size_t leak_bytes;
static void *volatile leaked;

__attribute__((noinline)) void crash_step(void)
{
	TGT_ENTRY();
	steps++;
	if (leak_bytes)
		leaked = malloc(leak_bytes);
	TGT_BARRIER();
}

static void crash_segv(void)
{
	volatile int *volatile nowhere = NULL;

	*nowhere = 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	unsigned long long want = tgt_arg(argc, argv, 2, 0), n;
	bool deaf = !strcmp(mode, "deaf");

	leak_bytes = (size_t)tgt_arg(argc, argv, 3, 0);
	tgt_init();
	if (deaf) {
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
	}
	for (n = 0; deaf ? (!want || n < want) : n < want; n++) {
		crash_step();
		if (deaf)
			tgt_sleep_ns(1000000);
	}
	printf("calls=%llu\n", steps);
	fflush(stdout);
	/* sonde mem names a stack's frames through /proc/PID/maps, so it needs the
	 * process alive a moment after the allocations it is to name. */
	if (leak_bytes)
		tgt_sleep_ns(300000000);
	if (!strcmp(mode, "segv"))
		crash_segv();
	else if (!strcmp(mode, "abort"))
		abort();
	else if (!strncmp(mode, "exit:", 5))
		exit(atoi(mode + 5));
	else if (!strcmp(mode, "pause"))
		while (!tgt_stop)
			pause();
	else if (!deaf) {
		fprintf(stderr, "usage: crasher segv|abort|exit:CODE|pause|deaf N [BYTES]\n");
		return 2;
	}
	return 0;
}
