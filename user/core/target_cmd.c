// SPDX-License-Identifier: GPL-2.0
/*
 * -- CMD: the command sonde starts, held until the probes are attached: before
 * its exec, or, when it is a wrapper (taskset, env, nice, timeout, a script),
 * right after the exec of the program the probes are for.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/exec_follow.h"
#include "core/target_priv.h"
#include "core/util.h"

/* Followed, the command may run this long without an exec before sonde gives up:
 * wrappers exec within milliseconds, a shell script after its first lines. */
#define FOLLOW_EXEC_TIMEOUT_NS (10ULL * 1000000000ULL)

/* Words of the command's arguments looked at for a program it may run. */
#define SCAN_MAX_WORDS 64

/* The child waits for one byte on the pipe, then execs; EOF means give up. */
static void run_held_child(int hold_rd, char **cmd, pid_t sonde_pid)
{
	char go;

	/*
	 * The command dies with sonde even when sonde is killed with SIGKILL and
	 * cannot stop it: SIGKILL, because a command that ignores SIGTERM would
	 * run on, re-parented to init. The setting survives execve() (not into
	 * set-user-ID or set-group-ID programs, or ones with file capabilities:
	 * the kernel clears it there). It fires when the thread that forked exits,
	 * sonde's main thread. If sonde died before prctl(), no signal will come:
	 * getppid() is no longer sonde.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != sonde_pid)
		_exit(127);
	if (read(hold_rd, &go, 1) != 1)
		_exit(127);
	close(hold_rd);
	execvp(cmd[0], cmd);
	fprintf(stderr, "sonde: cannot run '%s': %s\n", cmd[0], strerror(errno));
	_exit(127);
}

/* A file that starts with "#!": the kernel runs its interpreter, not it. */
static bool is_script(const char *path)
{
	char head[2];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool script;

	if (fd < 0)
		return false;
	script = read(fd, head, 2) == 2 && head[0] == '#' && head[1] == '!';
	close(fd);
	return script;
}

static bool is_main(const struct target *t, const char *path)
{
	return !t->main_match.is_main || t->main_match.is_main(path, t->main_match.ctx);
}

/*
 * One word: a program it names (a path, or a name on $PATH) is the one, or a
 * script. An ELF program it names that is not the one goes to `named`.
 */
static bool word_names_target(const struct target *t, const char *word, char *named, size_t len)
{
	char found[PATH_MAX];
	struct stat st;

	if (word[0] == '-' || target_search_path(word, found, sizeof(found)) || stat(found, &st) ||
	    !S_ISREG(st.st_mode))
		return false;
	if (is_script(found) || is_main(t, found))
		return true;
	if (access(found, X_OK) == 0)
		snprintf(named, len, "%s", found);
	return false;
}

/*
 * Whether the command may exec the program to trace although its own program
 * is not it: a wrapper names it among its arguments (taskset -c 1 ./work,
 * env X=1 work, sh -c './work --port 1'), or runs a script. Only then is it
 * followed; otherwise nothing runs before the probes are resolved, and they
 * fail at once, in the last program the arguments name (a typo in a PROBE:
 * "no function matches 'fixd_work' in ./work (did you mean 'fixed_work'?)"),
 * or in the command's own.
 */
static bool may_exec_target(struct target *t)
{
	static const char seps[] = " \t\n;&|()<>`'\"";
	char *copy, *word, *save, named[PATH_MAX] = "";
	int words = 0;
	bool found = false;
	char **a;

	if (is_script(t->exe))
		return true;
	for (a = t->cmd + 1; *a && !found && words < SCAN_MAX_WORDS; a++) {
		copy = strdup(*a);
		if (!copy)
			return false;
		for (word = strtok_r(copy, seps, &save); word && !found && words < SCAN_MAX_WORDS;
		     word = strtok_r(NULL, seps, &save), words++)
			found = word_names_target(t, word, named, sizeof(named));
		free(copy);
	}
	if (!found && named[0] && !realpath(named, t->exe))
		snprintf(t->exe, sizeof(t->exe), "%s", named);
	return found;
}

/*
 * Through a wrapper that forks (timeout, a script), the traced process is not
 * sonde's child, and PR_SET_PDEATHSIG, which makes the child die with sonde,
 * does not reach it (fork clears it). A guard forked from sonde reads a pipe
 * whose write end only sonde holds: when sonde ends without a word, however
 * it ends (SIGKILL too), the read sees EOF and the guard SIGKILLs the traced
 * process through its pidfd, never another process that took its number.
 * At a normal end, sonde writes a byte first (target_end_guard).
 */
static void run_guard(int rd, int pidfd)
{
	char c;

	prctl(PR_SET_NAME, "sonde-guard");
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	if (read(rd, &c, 1) != 1)
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	_exit(0);
}

static void start_guard(struct target *t)
{
	int pipefd[2], null;
	pid_t pid;

	if (t->pidfds[0] < 0 || pipe2(pipefd, O_CLOEXEC))
		return;
	pid = fork();
	if (pid == 0) {
		close(pipefd[1]);
		/* Holds none of sonde's output open: a reader of it sees EOF when sonde ends. */
		null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		run_guard(pipefd[0], t->pidfds[0]);
	}
	close(pipefd[0]);
	if (pid < 0) {
		close(pipefd[1]);
		sonde_info("cannot start the guard that ends process %d with sonde: %s", t->pids[0],
			   strerror(errno));
		return;
	}
	t->guard_fd = pipefd[1];
	t->guard_pid = pid;
}

void target_end_guard(struct target *t)
{
	char done = 1;

	if (t->guard_fd < 0)
		return;
	if (write(t->guard_fd, &done, 1) != 1)
		sonde_info("cannot tell the guard to stop: %s", strerror(errno));
	close(t->guard_fd);
	t->guard_fd = -1;
	waitpid(t->guard_pid, NULL, 0);
}

static int say_follow_end(const struct target *t, const char *last, int err)
{
	const char *what = t->main_match.what ? t->main_match.what : "the probes";

	if (err == -ETIMEDOUT)
		return sonde_fail(
		    SONDE_EXIT_INPUT,
		    "no program the command ran has a function matching %s: the last it "
		    "exec'd, %s, ran %llu s without another exec (stopped the command; see "
		    "what it has: sonde list -b %s)",
		    what, last, FOLLOW_EXEC_TIMEOUT_NS / 1000000000ULL, last);
	if (err == -ESRCH)
		return sonde_fail(
		    SONDE_EXIT_INPUT,
		    "the command ended without exec'ing a program with a function matching "
		    "%s; the last it ran was %s (see what it has: sonde list -b %s)",
		    what, last, last);
	return sonde_fail(SONDE_EXIT_SYSTEM, "cannot follow the command's execs: %s",
			  strerror(-err));
}

/*
 * Let the held child exec under ptrace and follow it, and what it starts, to
 * the first exec of a program main_match accepts; that process stays stopped
 * (target_release_cmd lets it go) and is the one traced. At the end of the
 * chain without one, the command is killed and the error names its last
 * program.
 */
static int follow_to_main(struct target *t)
{
	char exe[PATH_MAX], last[PATH_MAX];
	pid_t pid;
	char go = 1;
	int err;

	snprintf(last, sizeof(last), "%s", t->exe);
	err = exec_follow__start(t->cmd_pid, &t->follow);
	if (err)
		return sonde_fail(SONDE_EXIT_SYSTEM,
				  "cannot follow the command's execs (ptrace: %s); name the "
				  "program to trace right after --",
				  strerror(-err));
	if (write(t->hold_fd, &go, 1) != 1)
		return sonde_fail(SONDE_EXIT_SYSTEM, "cannot start the command: %s",
				  strerror(errno));
	close(t->hold_fd);
	t->hold_fd = -1;
	while (!(err = exec_follow__next(t->follow, FOLLOW_EXEC_TIMEOUT_NS, &pid))) {
		if (proc_exe_path(pid, exe, sizeof(exe)))
			continue;
		snprintf(last, sizeof(last), "%s", exe);
		sonde_info("the command exec'd %s (process %d)", exe, pid);
		if (is_main(t, exe))
			break;
	}
	if (!err)
		err = exec_follow__hold(t->follow);
	if (err) {
		exec_follow__kill(t->follow);
		t->cmd_ended = !exec_follow__cmd_status(t->follow, &t->cmd_status);
		t->reaped = t->cmd_ended;
		return say_follow_end(t, last, err);
	}
	t->pids[0] = pid;
	t->pidfds[0] = (int)syscall(SYS_pidfd_open, pid, 0);
	snprintf(t->exe, sizeof(t->exe), "%s", exe);
	if (pid == t->cmd_pid) {
		sonde_say("the command exec'd %s: its probes go there", exe);
		return 0;
	}
	sonde_say("the command started %s as process %d: its probes go there", exe, pid);
	start_guard(t);
	return 0;
}

int target_prepare_cmd(struct target *t)
{
	char found[PATH_MAX];
	pid_t pid, sonde_pid = getpid();
	int pipefd[2];
	bool follow;

	if (target_search_path(t->cmd[0], found, sizeof(found)))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "command '%s' not found (give a path, or a name on $PATH)",
				  t->cmd[0]);
	if (!realpath(found, t->exe))
		return sonde_fail(SONDE_EXIT_INPUT, "cannot resolve '%s': %s", found,
				  strerror(errno));
	follow = !is_main(t, t->exe) && may_exec_target(t);
	if (pipe2(pipefd, O_CLOEXEC))
		return sonde_fail(SONDE_EXIT_SYSTEM, "pipe: %s", strerror(errno));
	/* Inherited as ignored, SIGCHLD would have the kernel reap the command
	 * itself, and waitpid() could not tell how it ended. */
	signal(SIGCHLD, SIG_DFL);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return sonde_fail(SONDE_EXIT_SYSTEM, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(pipefd[1]);
		run_held_child(pipefd[0], t->cmd, sonde_pid);
	}
	close(pipefd[0]);
	t->hold_fd = pipefd[1];
	t->child_started = true;
	t->cmd_pid = pid;
	t->pids[0] = pid;
	t->nr_pids = 1;
	if (follow)
		return follow_to_main(t);
	t->pidfds[0] = (int)syscall(SYS_pidfd_open, pid, 0);
	return 0;
}

int target_release_cmd(struct target *t)
{
	char go = 1;
	int err = 0;

	if (t->follow) {
		err = exec_follow__release(t->follow);
		t->cmd_ended = !exec_follow__cmd_status(t->follow, &t->cmd_status);
		exec_follow__free(t->follow);
		t->follow = NULL;
		return err;
	}
	if (t->hold_fd < 0)
		return 0;
	if (write(t->hold_fd, &go, 1) != 1)
		err = -errno;
	close(t->hold_fd);
	t->hold_fd = -1;
	return err;
}

void target_abort_cmd(struct target *t)
{
	/* Only a child still held: one already running is stopped by target_free(). */
	if (!t->child_started || (t->hold_fd < 0 && !t->follow))
		return;
	if (t->follow) {
		/* Stopped after an exec, or still being followed: it never ran traced.
		 * The wrapper first, let go at the hold: a script would run on. */
		if (t->pids[0] != t->cmd_pid && !t->cmd_ended)
			kill(t->cmd_pid, SIGKILL);
		exec_follow__kill(t->follow);
		t->cmd_ended = !exec_follow__cmd_status(t->follow, &t->cmd_status);
		exec_follow__free(t->follow);
		t->follow = NULL;
	}
	if (t->hold_fd >= 0) {
		/* EOF on the pipe: the child exits without running the command. */
		close(t->hold_fd);
		t->hold_fd = -1;
	}
	if (!t->cmd_ended)
		waitpid(t->cmd_pid, NULL, 0);
	t->reaped = true;
}
