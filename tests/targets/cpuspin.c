// SPDX-License-Identifier: GPL-2.0
/*
 * cpuspin [N [T [CPU]]]: pin the process to CPU (default: the last CPU
 * online), then T threads (default 1, at most 8) each call spin_1ms() N
 * times (0: until SIGTERM), all starting together at a barrier.
 * spin_1ms busy-waits 1 ms of CLOCK_MONOTONIC time. Alone on an idle CPU it
 * is on-CPU for all of that time; with two threads pinned to one CPU, each
 * call still takes about 1 ms of wall time but spends part of it runnable,
 * waiting for the other thread to give the CPU back (run-queue time).
 * Each thread also keeps what the kernel measured of its calls, read inside
 * each one: its CPU time (CLOCK_THREAD_CPUTIME_ID) and its run-queue wait
 * (/proc/thread-self/schedstat, field 2), so tests compare sonde's split with
 * the kernel's own accounting instead of assuming an idle machine.
 * Prints "threads=T cpu=C calls_per_thread=N calls=T*N oncpu_ns=X runq_ns=Y"
 * at exit (with N = 0, the total actually made; X, Y summed over threads).
 */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include "targets.h"

#define MAX_THREADS 8

static unsigned long long want;
static pthread_barrier_t start;

struct worker_result {
	unsigned long long calls, oncpu_ns, runq_ns;
};
static struct worker_result done[MAX_THREADS];


/* The kernel's run-queue wait of this thread so far (sched_info.run_delay). */
static unsigned long long thread_run_delay_ns(int fd)
{
	unsigned long long oncpu = 0, delay = 0;
	char buf[128];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &oncpu, &delay) != 2)
		return 0;
	return delay;
}

static __thread struct worker_result *self;
static __thread int schedstat_fd = -1;

/* Read inside the traced window, so the kernel's figures cover what sonde's do. */
__attribute__((noinline)) void spin_1ms(void)
{
	unsigned long long delay0, cpu0;

	TGT_ENTRY();
	delay0 = thread_run_delay_ns(schedstat_fd);
	cpu0 = tgt_thread_cpu_ns();
	tgt_spin_ns(1000000);
	self->oncpu_ns += tgt_thread_cpu_ns() - cpu0;
	self->runq_ns += thread_run_delay_ns(schedstat_fd) - delay0;
}

static void *worker(void *arg)
{
	self = arg;
	schedstat_fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	pthread_barrier_wait(&start);
	for (self->calls = 0; tgt_more(self->calls, want); self->calls++)
		spin_1ms();
	if (schedstat_fd >= 0)
		close(schedstat_fd);
	return NULL;
}

/* Pin the whole process (threads created later inherit it) to one CPU. */
static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "cpuspin: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long total = 0, oncpu = 0, runq = 0;
	pthread_t tids[MAX_THREADS];
	int nthreads, cpu, i;

	want = tgt_arg(argc, argv, 1, 0);
	nthreads = (int)tgt_arg(argc, argv, 2, 1);
	if (nthreads < 1 || nthreads > MAX_THREADS)
		nthreads = 1;
	cpu = (int)tgt_arg(argc, argv, 3, (unsigned long long)(sysconf(_SC_NPROCESSORS_ONLN) - 1));
	if (pin_to(cpu))
		return 2;
	tgt_init();
	pthread_barrier_init(&start, NULL, (unsigned)nthreads);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&tids[i], NULL, worker, &done[i])) {
			fprintf(stderr, "cpuspin: pthread_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(tids[i], NULL);
		total += done[i].calls;
		oncpu += done[i].oncpu_ns;
		runq += done[i].runq_ns;
	}
	printf("threads=%d cpu=%d calls_per_thread=%llu calls=%llu oncpu_ns=%llu runq_ns=%llu\n",
	       nthreads, cpu, want, total, oncpu, runq);
	return 0;
}
