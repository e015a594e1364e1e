// SPDX-License-Identifier: GPL-2.0
/*
 * promtarget [N [DELAY_MS [exit|hot]]]: a service of known latencies for the
 * Prometheus tests (tests/integration/test_prometheus.sh).
 *
 * After DELAY_MS (default 0) milliseconds without calls, so that a scraper
 * first sees counts of zero, each iteration calls spin_50us() (50 us on CPU)
 * and sleep_2ms() (one nanosleep of 2 ms, off CPU): about 480 iterations a
 * second. After N iterations (0: until SIGTERM) it prints "idle calls=N" and
 * stays without calls until SIGTERM, so that a scraper's last samples hold
 * the final counts; with "exit" as the third argument it exits instead.
 * With "hot", each iteration is one call of hot_add() (a few ns) in a tight
 * loop instead: a hot function whose every call must be counted.
 *
 * SIGUSR1 switches to the slow mode: spin_50us() spins 150 us from its next
 * call on (a regression a rule must catch). The handler only sets a flag.
 *
 * At exit (SIGTERM, or N calls done with "exit") it prints
 * "calls=N spin_calls=S sleep_calls=Z hot_calls=H slow_calls=M spin_us=50|150", M being
 * the spin_50us() calls made in the slow mode, and exits 0.
 */
#include <sys/prctl.h>
#include "targets.h"

static volatile sig_atomic_t slow;
static unsigned long long spin_calls, sleep_calls, hot_calls, slow_calls;

static void on_usr1(int sig)
{
	(void)sig;
	slow = 1;
}

__attribute__((noinline)) void spin_50us(void)
{
	TGT_ENTRY();
	if (slow) {
		tgt_spin_ns(150 * 1000ull);
		slow_calls++;
	} else {
		tgt_spin_ns(50 * 1000ull);
	}
	spin_calls++;
}

__attribute__((noinline)) void sleep_2ms(void)
{
	TGT_ENTRY();
	tgt_sleep_ns(2000000);
	sleep_calls++;
}

__attribute__((noinline)) void hot_add(void)
{
	TGT_ENTRY();
	hot_calls++;
}

/* Without calls until SIGTERM or SIGINT; blocked around the test, so none is missed. */
static void idle(void)
{
	sigset_t term, old;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	sigprocmask(SIG_BLOCK, &term, &old);
	while (!tgt_stop)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

int main(int argc, char **argv)
{
	unsigned long long want = tgt_arg(argc, argv, 1, 0), delay_ms = tgt_arg(argc, argv, 2, 0);
	int exit_after = argc > 3 && !strcmp(argv[3], "exit");
	int hot = argc > 3 && !strcmp(argv[3], "hot");
	struct sigaction sa;
	sigset_t usr1;
	unsigned long long n;

	tgt_init();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	/* tgt_init() leaves SIGUSR1 blocked after TGT_WAIT_USR1's wait. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	/* As sleeper: the 2 ms sleep ends as close to 2 ms as the kernel wakes it. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	if (delay_ms && !tgt_stop)
		tgt_sleep_ns(delay_ms * 1000000ull);
	for (n = 0; tgt_more(n, want); n++) {
		if (hot) {
			hot_add();
			continue;
		}
		spin_50us();
		sleep_2ms();
	}
	if (want && n == want && !exit_after) {
		printf("idle calls=%llu\n", n);
		idle();
	}
	printf("calls=%llu spin_calls=%llu sleep_calls=%llu hot_calls=%llu slow_calls=%llu "
	       "spin_us=%d\n",
	       n, spin_calls, sleep_calls, hot_calls, slow_calls, slow ? 150 : 50);
	return 0;
}
