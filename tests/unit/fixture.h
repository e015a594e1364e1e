/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for unit tests that build fixture programs at run time: a private
 * temporary directory, source files written into it, and the compiler run
 * through fork/execvp (never a shell).
 */
#ifndef SONDE_TEST_FIXTURE_H
#define SONDE_TEST_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A fresh directory under $TMPDIR (or /tmp); 0 or -errno. */
static inline int fx_mkdtemp(char *dir, size_t len)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, len, "%s/sonde-unit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(dir) ? 0 : -errno;
}

/* dir/name into out. */
static inline const char *fx_path(char *out, size_t len, const char *dir, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
	return out;
}

static inline int fx_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) == EOF)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

/* Run argv[0] (found on PATH) with its output on our stderr; 0 when it exits 0. */
static inline int fx_run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "fixture: %s failed (status 0x%x)\n", argv[0], status);
		return -1;
	}
	return 0;
}

static inline int fx_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void fx_rmtree(const char *dir)
{
	if (dir && *dir)
		nftw(dir, fx_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * Capture what `fn(arg)` writes on stderr into buf (NUL-terminated, truncated
 * to len - 1); returns fn's result.
 */
static inline int fx_capture_stderr(int (*fn)(void *), void *arg, char *buf, size_t len)
{
	FILE *tmp = tmpfile();
	int saved, ret;
	size_t n = 0;

	buf[0] = '\0';
	if (!tmp)
		return fn(arg);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fileno(tmp), STDERR_FILENO);
	ret = fn(arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, len - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return ret;
}

#endif
