// SPDX-License-Identifier: GPL-2.0
/*
 * memtarget MODE ...: allocation patterns with known results, for sonde mem.
 *
 *   leak RATE BYTES [SECONDS]  leak_block() mallocs BYTES RATE times a second
 *                              (paced to absolute deadlines) and never frees;
 *                              churn() mallocs and frees 4 blocks meanwhile.
 *   balanced RATE [SECONDS]    pair_block() mallocs and frees, RATE times a second.
 *   mix [HOLD_MS]              one of each allocator call, then holds the results
 *                              for HOLD_MS (default 1500) and exits; see main().
 *   prefree N [M]              mallocs N blocks of 1000 bytes, waits (TGT_WAIT_USR1),
 *                              frees them all, calls free(NULL) M times, exits.
 *   leakfree RATE BYTES SECONDS  leak_block() as in leak for SECONDS, then every
 *                              block is freed at once and the program exits: a
 *                              leak that only the exit ends.
 *   forks N                    N times: churn(), then a child that leaks 10 blocks
 *                              from leak_block() and exits at once, waited for.
 *
 * SECONDS 0 (the default) runs until SIGTERM. Each mode ends with a summary
 * line of key=value pairs.
 */
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "targets.h"

void *volatile tgt_sink;

__attribute__((noinline)) void *leak_block(size_t n)
{
	void *p;

	TGT_ENTRY();
	p = malloc(n);
	memset(p, 0x5a, n);
	return p;
}

__attribute__((noinline)) void churn(void)
{
	void *p[4];
	int i;

	TGT_ENTRY();
	for (i = 0; i < 4; i++)
		p[i] = malloc(64 << i);
	tgt_sink = p[3];
	for (i = 0; i < 4; i++)
		free(p[i]);
}

__attribute__((noinline)) void pair_block(size_t n)
{
	void *p;

	TGT_ENTRY();
	p = malloc(n);
	memset(p, 1, n);
	tgt_sink = p;
	free(p);
}

/* Sleep until the absolute CLOCK_MONOTONIC time `at_ns`. */
static void sleep_until(unsigned long long at_ns)
{
	struct timespec ts = {.tv_sec = (time_t)(at_ns / 1000000000ull),
			      .tv_nsec = (long)(at_ns % 1000000000ull)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !tgt_stop)
		;
}

static int run_paced(int leak, unsigned long long rate, size_t bytes, unsigned long long secs)
{
	unsigned long long t0 = tgt_now_ns(), period = 1000000000ull / rate, n = 0, next = t0;

	while (!tgt_stop && (!secs || tgt_now_ns() - t0 < secs * 1000000000ull)) {
		if (leak) {
			tgt_sink = leak_block(bytes);
			churn();
		} else {
			pair_block(bytes);
		}
		n++;
		next += period;
		sleep_until(next);
	}
	printf("%s iterations=%llu bytes=%llu elapsed_ns=%llu\n", leak ? "leak" : "balanced", n,
	       leak ? n * bytes : 0ull, tgt_now_ns() - t0);
	return 0;
}

__attribute__((noinline)) void *realloc_chain(void)
{
	void *p;

	TGT_ENTRY();
	p = realloc(NULL, 100);
	p = realloc(p, 1000);
	p = realloc(p, 10000);
	return realloc(p, 100000);
}

__attribute__((noinline)) void *calloc_block(void)
{
	TGT_ENTRY();
	return calloc(1000, 50);
}

__attribute__((noinline)) void *memalign_block(void)
{
	void *p = NULL;

	TGT_ENTRY();
	if (posix_memalign(&p, 4096, 12288))
		return NULL;
	return p;
}

__attribute__((noinline)) void *aligned_block(void)
{
	TGT_ENTRY();
	return aligned_alloc(64, 640);
}

__attribute__((noinline)) void *reallocarray_block(void)
{
	TGT_ENTRY();
	return reallocarray(NULL, 100, 30);
}

/* Far above glibc's mmap threshold (128 KiB): malloc maps it itself. */
__attribute__((noinline)) void *big_block(void)
{
	void *p;

	TGT_ENTRY();
	p = malloc(4 << 20);
	memset(p, 1, 4 << 20);
	return p;
}

__attribute__((noinline)) void realloc_to_zero(void)
{
	void *p;

	TGT_ENTRY();
	p = malloc(500);
	tgt_sink = p;
	tgt_sink = realloc(p, 0);
}

__attribute__((noinline)) void free_nulls(int n)
{
	int i;

	TGT_ENTRY();
	for (i = 0; i < n; i++)
		free(tgt_sink == (void *)1 ? tgt_sink : NULL);
}

/* 2 MiB mapped, the first 1 MiB unmapped again: 1 MiB stays. */
__attribute__((noinline)) void *map_region(void)
{
	char *p;

	TGT_ENTRY();
	p = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	munmap(p, 1 << 20);
	return p + (1 << 20);
}

static int run_mix(unsigned long long hold_ms)
{
	void *keep[8];

	keep[0] = realloc_chain();
	keep[1] = calloc_block();
	keep[2] = memalign_block();
	keep[3] = aligned_block();
	keep[4] = reallocarray_block();
	keep[5] = big_block();
	keep[6] = map_region();
	realloc_to_zero();
	free_nulls(5);
	tgt_sink = keep;
	printf("mix ready\n");
	sleep_until(tgt_now_ns() + hold_ms * 1000000ull);
	printf("mix done held=%d\n",
	       keep[0] && keep[1] && keep[2] && keep[3] && keep[4] && keep[5] && keep[6]);
	return 0;
}

static int run_prefree(unsigned long long n, unsigned long long nulls)
{
	void **blocks = calloc(n, sizeof(*blocks));
	unsigned long long i;

	for (i = 0; i < n; i++)
		blocks[i] = malloc(1000);
	tgt_init(); /* TGT_WAIT_USR1: sonde attaches now */
	for (i = 0; i < n; i++)
		free(blocks[i]);
	/* A plain free(NULL) is removed by the compiler. */
	for (i = 0; i < nulls; i++)
		free(tgt_sink == (void *)1 ? tgt_sink : NULL);
	free(blocks);
	printf("prefree freed=%llu nulls=%llu\n", n, nulls);
	return 0;
}

static int run_leakfree(unsigned long long rate, size_t bytes, unsigned long long secs)
{
	unsigned long long t0 = tgt_now_ns(), period = 1000000000ull / rate, n = 0, next = t0;
	unsigned long long max = rate * secs + 16, i;
	void **blocks = calloc(max, sizeof(*blocks));

	while (!tgt_stop && n < max && tgt_now_ns() - t0 < secs * 1000000000ull) {
		blocks[n++] = leak_block(bytes);
		next += period;
		sleep_until(next);
	}
	for (i = 0; i < n; i++)
		free(blocks[i]);
	free(blocks);
	printf("leakfree iterations=%llu bytes=%llu freed=%llu\n", n, n * bytes, n);
	return 0;
}

/* Children that live for a few allocations: gone before a tracer reads their maps. */
static int run_forks(unsigned long long n)
{
	unsigned long long i;
	pid_t child;
	int j;

	for (i = 0; i < n; i++) {
		churn();
		fflush(stdout);
		child = fork();
		if (child == 0) {
			for (j = 0; j < 10; j++)
				tgt_sink = leak_block(1000);
			_exit(0);
		}
		if (child > 0)
			waitpid(child, NULL, 0);
		sleep_until(tgt_now_ns() + 20000000ull);
	}
	printf("forks children=%llu\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "prefree"))
		return run_prefree(tgt_arg(argc, argv, 2, 1000), tgt_arg(argc, argv, 3, 10));
	tgt_init();
	if (!strcmp(mode, "leak"))
		return run_paced(1, tgt_arg(argc, argv, 2, 100), tgt_arg(argc, argv, 3, 1024),
				 tgt_arg(argc, argv, 4, 0));
	if (!strcmp(mode, "balanced"))
		return run_paced(0, tgt_arg(argc, argv, 2, 1000), 256, tgt_arg(argc, argv, 3, 0));
	if (!strcmp(mode, "mix"))
		return run_mix(tgt_arg(argc, argv, 2, 1500));
	if (!strcmp(mode, "forks"))
		return run_forks(tgt_arg(argc, argv, 2, 20));
	if (!strcmp(mode, "leakfree"))
		return run_leakfree(tgt_arg(argc, argv, 2, 100), tgt_arg(argc, argv, 3, 1024),
				    tgt_arg(argc, argv, 4, 3));
	fprintf(stderr, "usage: memtarget leak|balanced|mix|prefree|leakfree|forks ...\n");
	return 2;
}
