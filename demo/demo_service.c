// SPDX-License-Identifier: GPL-2.0
/*
 * demo_service [WORKERS]: a pretend request server for `make demo`.
 *
 * WORKERS threads (default 4) each handle requests in a loop until SIGTERM or
 * SIGINT. One request is handle_request(), which calls, in turn:
 *   parse_request()    CPU-bound: spins ~20 us
 *   db_query()         blocking: sleeps 1-3 ms (uniform), like a database call
 *   render_response()  CPU-bound: spins ~80 us, and 1 request in 20 spins
 *                      400 us instead (a slow tail that p99 shows)
 * so handle_request takes ~2.1 ms of wall time, of which ~0 is its own.
 * Prints its PID at start and the number of requests served at exit.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 64

static volatile sig_atomic_t stop;
static unsigned long long served[MAX_WORKERS];

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static void spin_ns(unsigned long long ns)
{
	unsigned long long end = now_ns() + ns;

	while (now_ns() < end)
		asm volatile("" ::: "memory");
}

static void sleep_ns(unsigned long long ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ull),
			      .tv_nsec = (long)(ns % 1000000000ull)};

	while (nanosleep(&ts, &ts) && errno == EINTR && !stop)
		;
}

/* The request a worker is handling; the seed makes each one a little different. */
struct request {
	unsigned int seed;
	int id;
};

__attribute__((noinline)) int parse_request(struct request *req)
{
	asm volatile("" ::: "rbx", "memory");
	spin_ns(20000);
	return req->id & 0xff;
}

__attribute__((noinline)) int db_query(struct request *req, int key)
{
	asm volatile("" ::: "rbx", "memory");
	sleep_ns(1000000 + (unsigned long long)(rand_r(&req->seed) % 2000001));
	return key * 7;
}

__attribute__((noinline)) int render_response(struct request *req, int rows)
{
	asm volatile("" ::: "rbx", "memory");
	spin_ns(rand_r(&req->seed) % 20 == 0 ? 400000 : 80000);
	return rows + 1;
}

__attribute__((noinline)) int handle_request(struct request *req)
{
	int key, rows;

	asm volatile("" ::: "rbx", "memory");
	key = parse_request(req);
	rows = db_query(req, key);
	return render_response(req, rows);
}

static void *worker(void *arg)
{
	unsigned long long *count = arg;
	struct request req = {.seed = (unsigned int)(count - served) + 1};

	while (!stop) {
		req.id++;
		handle_request(&req);
		(*count)++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int workers = argc > 1 ? atoi(argv[1]) : 4, i;
	pthread_t tids[MAX_WORKERS];
	unsigned long long total = 0;
	struct sigaction sa;

	if (workers < 1 || workers > MAX_WORKERS)
		workers = 4;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("demo_service: pid %d, %d workers\n", (int)getpid(), workers);
	for (i = 0; i < workers; i++) {
		if (pthread_create(&tids[i], NULL, worker, &served[i])) {
			fprintf(stderr, "demo_service: cannot start worker %d\n", i);
			return 1;
		}
	}
	for (i = 0; i < workers; i++) {
		pthread_join(tids[i], NULL);
		total += served[i];
	}
	printf("demo_service: served %llu requests\n", total);
	return 0;
}
