// SPDX-License-Identifier: GPL-2.0
/*
 * sonde ab's runs as child processes: this binary started with its stdout
 * and stderr on pipes, read line by line until it exits, and the stop
 * signals ab takes meanwhile (passed on to the run when sent to ab alone).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cmd/ab_child.h"
#include "core/util.h"

/* ---- signals ----------------------------------------------------------------- */

static volatile sig_atomic_t ab_stops; /* SIGINT and SIGTERM received */
static volatile sig_atomic_t ab_child; /* the run's sonde lat, or 0 */

static void on_stop(int sig, siginfo_t *si, void *uctx)
{
	int saved = errno;

	(void)uctx;
	ab_stops++;
	/* Ctrl-C at a terminal reaches the run's sonde lat as well (one process group),
	 * which stops the run itself; a signal sent to ab alone is passed on to it. */
	if (si->si_code == SI_USER && ab_child > 0)
		kill(ab_child, sig);
	errno = saved;
}

void ab_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_stop;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

unsigned int ab_stopped(void)
{
	return ab_stops;
}

/* Bytes of a pipe, cut into lines for a handler. */
struct line_buf {
	char buf[4096];
	size_t len;
	bool mid; /* buf goes on with a line whose start was handed on */
	/* A line, or a part of one longer than buf (`first`: its start); with its '\n'. */
	ab_chunk_fn chunk;
	void *ctx;
};

/* What buf holds, a line or a part of one, to the handler. */
static void line_pass(struct line_buf *lb, size_t len, bool whole)
{
	lb->chunk(lb->ctx, lb->buf, len, !lb->mid);
	lb->mid = !whole;
	memmove(lb->buf, lb->buf + len, lb->len - len);
	lb->len -= len;
}

/* Read what fd has: 1 at its end, 0 when it has no more for now. */
static int line_read(int fd, struct line_buf *lb)
{
	char *nl;
	ssize_t n;

	for (;;) {
		n = read(fd, lb->buf + lb->len, sizeof(lb->buf) - lb->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 || errno != EAGAIN;
		lb->len += n;
		while ((nl = memchr(lb->buf, '\n', lb->len)))
			line_pass(lb, nl - lb->buf + 1, true);
		if (lb->len == sizeof(lb->buf)) /* a line longer than the buffer: in parts */
			line_pass(lb, lb->len, false);
	}
}

/*
 * Start argv (this binary's sonde lat) with its stdout and stderr on pipes,
 * and read them until it exits: its wait status in *status. A process the
 * command left behind may hold the pipes open: read to the exit, not to EOF.
 */
int ab_child_run(char **argv, ab_chunk_fn out_fn, ab_chunk_fn err_fn, void *ctx, int *status)
{
	struct line_buf lb[2] = {{.chunk = out_fn, .ctx = ctx}, {.chunk = err_fn, .ctx = ctx}};
	struct pollfd p[3];
	int out[2] = {-1, -1}, err[2] = {-1, -1}, pidfd, i, n;
	pid_t pid, parent = getpid();

	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		n = -errno;
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		n = -errno;
		goto fail;
	}
	if (pid == 0) {
		/* ab killed (SIGKILL, a crash): the run stops as on Ctrl-C, its probes
		 * detached and its command stopped, instead of running on unseen. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent)
			_exit(SONDE_EXIT_SYSTEM);
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		execv("/proc/self/exe", argv);
		fprintf(stderr, "sonde: cannot run sonde lat: %s\n", strerror(errno));
		_exit(SONDE_EXIT_SYSTEM);
	}
	ab_child = pid;
	/* Stopped before it could be passed on: between the fork and here, or even
	 * before the fork, after the last look. */
	if (ab_stops)
		kill(pid, SIGTERM);
	close(out[1]);
	close(err[1]);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	p[0] = (struct pollfd){.fd = out[0], .events = POLLIN};
	p[1] = (struct pollfd){.fd = err[0], .events = POLLIN};
	p[2] = (struct pollfd){.fd = pidfd, .events = POLLIN};
	for (i = 0; i < 2; i++)
		fcntl(p[i].fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		n = poll(p, 3, -1);
		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; n > 0 && i < 2; i++)
			if (p[i].revents && line_read(p[i].fd, &lb[i]))
				p[i].fd = -1; /* its end: poll() skips it */
		if ((n > 0 && p[2].revents) || (p[0].fd < 0 && p[1].fd < 0))
			break;
	}
	/* It has exited: what it wrote before is in the pipes. */
	for (i = 0; i < 2; i++) {
		if (p[i].fd >= 0)
			line_read(p[i].fd, &lb[i]);
		if (lb[i].len) /* its last line, without a '\n' */
			line_pass(&lb[i], lb[i].len, false);
	}
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	ab_child = 0;
	if (pidfd >= 0)
		close(pidfd);
	close(out[0]);
	close(err[0]);
	return 0;
fail:
	for (i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return n;
}
