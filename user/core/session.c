// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include "core/session.h"
#include "core/util.h"

/* SIGINT and SIGTERM received: 1 stops the run, 2 hurries the stop. */
static volatile sig_atomic_t stop_signals;

static void on_stop_signal(int sig)
{
	struct sigaction dfl;

	(void)sig;
	if (++stop_signals < 2)
		return;
	/* The third one is not caught: a stuck sonde can always be killed. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
}

void session_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	/* One handler at a time: SIGINT and SIGTERM together still count as two. */
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

bool session_hurried(void)
{
	return stop_signals >= 2;
}

void session_start(struct session *s, __u64 duration_ns, __u64 interval_ns, int events_fd)
{
	s->events_fd = events_fd;
	s->serve_fd = -1;
	s->start_ns = now_ns();
	s->duration_ns = duration_ns;
	s->interval_ns = interval_ns;
	s->next_report_ns = interval_ns ? s->start_ns + interval_ns : 0;
}

/* Sleep in short slices: the target's exit is noticed within 50 ms. */
#define SESSION_SLICE_MS 50

enum session_event session_wait(struct session *s, struct target *t)
{
	for (;;) {
		__u64 now = now_ns(), wake = now + SESSION_SLICE_MS * 1000000ULL;
		struct pollfd fds[SONDE_MAX_PIDS + 2];
		int i, n = 0, timeout_ms, ev, serve;

		if (stop_signals)
			return SESSION_STOPPED;
		if (s->duration_ns && now >= s->start_ns + s->duration_ns)
			return SESSION_STOPPED;
		if (target_all_exited(t))
			return SESSION_TARGET_EXIT;
		/* -p: one of several processes exited, and the trace goes on. */
		target_say_exits(t);
		if (s->next_report_ns && now >= s->next_report_ns) {
			s->next_report_ns += s->interval_ns;
			return SESSION_INTERVAL;
		}
		if (s->duration_ns && s->start_ns + s->duration_ns < wake)
			wake = s->start_ns + s->duration_ns;
		if (s->next_report_ns && s->next_report_ns < wake)
			wake = s->next_report_ns;
		timeout_ms = (int)((wake - now + 999999) / 1000000);
		for (i = 0; i < t->nr_pids; i++)
			if (t->pidfds[i] >= 0)
				fds[n++] = (struct pollfd){.fd = t->pidfds[i], .events = POLLIN};
		ev = serve = -1;
		if (s->events_fd >= 0) {
			ev = n;
			fds[n++] = (struct pollfd){.fd = s->events_fd, .events = POLLIN};
		}
		if (s->serve_fd >= 0) {
			serve = n;
			fds[n++] = (struct pollfd){.fd = s->serve_fd, .events = POLLIN};
		}
		/* A pidfd turns readable when its process exits; signals end the poll (EINTR). */
		if (poll(fds, n, timeout_ms) < 0 && errno != EINTR)
			return SESSION_STOPPED;
		/*
		 * A scraper before records, which may keep coming (a scrape is
		 * short; records wait in their buffer); and once a second in any
		 * case, for the server's own timeouts (a connection that holds
		 * still is dropped only when the server runs).
		 */
		if (serve >= 0 &&
		    ((fds[serve].revents & POLLIN) || now_ns() >= s->next_serve_ns)) {
			s->next_serve_ns = now_ns() + 1000000000ULL;
			return SESSION_SERVE;
		}
		if (ev >= 0 && (fds[ev].revents & POLLIN))
			return SESSION_EVENTS;
	}
}
