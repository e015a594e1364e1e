// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "out/out_file.h"
#include "core/test_knobs.h"
#include "core/util.h"

#define OUT_CHUNK	  (64 * 1024)
#define OUT_TEMP_TRIES	  100
#define OUT_TEMP_NAME_MAX 200 /* of FILE's name in ".FILE.XXXXXX", within NAME_MAX */

struct out_file {
	char *path;		     /* as given, for messages */
	char *dir;		     /* its directory, for messages */
	const char *name;	     /* its last component, in path */
	char tmp_name[NAME_MAX + 1]; /* ".FILE.XXXXXX", once it has a name */
	int dir_fd, fd;
	bool gzip;
	bool named; /* tmp_name exists in the directory: remove it on failure */
};

/* ".FILE.XXXXXX" with six random letters or digits. */
static void make_temp_name(struct out_file *f)
{
	static const char chars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char rnd[6];
	__u64 mix;
	size_t i;

	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
		mix = now_ns() ^ ((__u64)getpid() << 32);
		for (i = 0; i < sizeof(rnd); i++, mix >>= 8)
			rnd[i] = (unsigned char)mix;
	}
	snprintf(f->tmp_name, sizeof(f->tmp_name), ".%.*s.XXXXXX", OUT_TEMP_NAME_MAX, f->name);
	for (i = 0; i < sizeof(rnd); i++)
		f->tmp_name[strlen(f->tmp_name) - 6 + i] = chars[rnd[i] % (sizeof(chars) - 1)];
}

/* Where the filesystem has no O_TMPFILE: a new name, never an existing file or a link. */
static int create_named_temp(struct out_file *f)
{
	int i;

	for (i = 0; i < OUT_TEMP_TRIES; i++) {
		make_temp_name(f);
		f->fd = openat(f->dir_fd, f->tmp_name,
			       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (f->fd >= 0) {
			f->named = true;
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/*
 * An unnamed file in the directory: nothing to clean up if sonde is killed.
 * The kernel says EOPNOTSUPP where the filesystem lacks it, EISDIR where the
 * kernel predates it (open(2)).
 */
static int create_temp(struct out_file *f)
{
	if (!test_knobs()->no_o_tmpfile) {
		f->fd = openat(f->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
		if (f->fd >= 0)
			return 0;
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return -errno;
	}
	return create_named_temp(f);
}

/* Give the unnamed file a name, to rename it over FILE. */
static int name_temp(struct out_file *f)
{
	char proc[64];
	int i;

	for (i = 0; i < OUT_TEMP_TRIES; i++) {
		make_temp_name(f);
		if (!linkat(f->fd, "", f->dir_fd, f->tmp_name, AT_EMPTY_PATH))
			goto named;
		/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; the /proc link does not (linkat(2)). */
		if (errno == ENOENT || errno == EPERM) {
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd);
			if (!linkat(AT_FDCWD, proc, f->dir_fd, f->tmp_name, AT_SYMLINK_FOLLOW))
				goto named;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
named:
	f->named = true;
	return 0;
}

static int split_path(struct out_file *f, const char *path)
{
	const char *slash = strrchr(path, '/');

	f->path = strdup(path);
	if (!f->path)
		return -ENOMEM;
	if (!slash)
		f->dir = strdup(".");
	else if (slash == path)
		f->dir = strdup("/");
	else
		f->dir = strndup(path, (size_t)(slash - path));
	if (!f->dir)
		return -ENOMEM;
	f->name = f->path + (slash ? slash - path + 1 : 0);
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

/* FILE may be missing, a regular file or a symbolic link (replaced, not followed). */
static int check_destination(const struct out_file *f)
{
	struct stat st;

	if (!*f->name || !strcmp(f->name, ".") || !strcmp(f->name, ".."))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "cannot write '%s': it names a directory; -o takes a file name",
				  f->path);
	if (fstatat(f->dir_fd, f->name, &st, AT_SYMLINK_NOFOLLOW)) {
		if (errno == ENOENT)
			return 0;
		return sonde_fail(SONDE_EXIT_INPUT, "cannot write '%s': %s", f->path,
				  strerror(errno));
	}
	if (S_ISLNK(st.st_mode))
		sonde_info("'%s' is a symbolic link: the profile replaces the link, its target "
			   "is left alone",
			   f->path);
	else if (!S_ISREG(st.st_mode))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "cannot write '%s': it is %s, not a regular file (-o replaces "
				  "the file whole; give a file name)",
				  f->path, file_type_name(st.st_mode));
	return 0;
}

int out_file_open(const char *path, struct out_file **out)
{
	struct out_file *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return -ENOMEM;
	f->dir_fd = f->fd = -1;
	err = split_path(f, path);
	if (err)
		goto cleanup;
	f->gzip = ends_with(f->name, ".gz");
	f->dir_fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dir_fd < 0) {
		err = sonde_fail(SONDE_EXIT_INPUT, "cannot write '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	err = check_destination(f);
	if (err)
		goto cleanup;
	err = create_temp(f);
	if (err)
		err = sonde_fail(SONDE_EXIT_INPUT,
				 "cannot write '%s': cannot create a file in %s: %s", path, f->dir,
				 strerror(-err));
cleanup:
	if (err) {
		out_file_close(f);
		return err;
	}
	*out = f;
	return 0;
}

/* Every byte, or -errno of the write that failed (ENOSPC, EDQUOT, EIO). */
static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENOSPC;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* gzip (level 9, as gzopen's "wb9") through write_all, so its errno is the one reported. */
static int write_gzip(int fd, const unsigned char *data, size_t len)
{
	unsigned char *buf = malloc(OUT_CHUNK);
	z_stream zs = {0};
	size_t in;
	int flush, err = 0;

	if (!buf)
		return -ENOMEM;
	if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(buf);
		return -ENOMEM;
	}
	do {
		in = len > (1U << 30) ? (1U << 30) : len; /* avail_in is an unsigned int */
		zs.next_in = (Bytef *)data;
		zs.avail_in = (uInt)in;
		data += in;
		len -= in;
		flush = len ? Z_NO_FLUSH : Z_FINISH;
		do {
			zs.next_out = buf;
			zs.avail_out = OUT_CHUNK;
			deflate(&zs, flush); /* cannot fail with a valid stream and space out */
			err = write_all(fd, buf, OUT_CHUNK - zs.avail_out);
		} while (!err && zs.avail_out == 0);
	} while (!err && flush != Z_FINISH);
	deflateEnd(&zs);
	free(buf);
	return err;
}

static void remove_temp(struct out_file *f)
{
	if (f->named && unlinkat(f->dir_fd, f->tmp_name, 0) && errno != ENOENT)
		sonde_fail(SONDE_EXIT_SYSTEM, "cannot remove the temporary file %s/%s: %s", f->dir,
			   f->tmp_name, strerror(errno));
	f->named = false;
}

static int write_failed(struct out_file *f, int err)
{
	char kept[PATH_MAX + 64];
	struct stat st;

	remove_temp(f);
	if (!fstatat(f->dir_fd, f->name, &st, AT_SYMLINK_NOFOLLOW))
		snprintf(kept, sizeof(kept), "the previous %s is kept", f->path);
	else
		snprintf(kept, sizeof(kept), "no file was left behind");
	if (err == -ENOSPC)
		return sonde_fail(SONDE_EXIT_SYSTEM, "no space left on device writing '%s' (%s)",
				  f->path, kept);
	if (err == -EDQUOT)
		return sonde_fail(SONDE_EXIT_SYSTEM, "disk quota exceeded writing '%s' (%s)",
				  f->path, kept);
	return sonde_fail(SONDE_EXIT_SYSTEM, "cannot write '%s': %s (%s)", f->path, strerror(-err),
			  kept);
}

int out_file_commit(struct out_file *f, const void *data, size_t len)
{
	int err;

	err = f->gzip ? write_gzip(f->fd, data, len) : write_all(f->fd, data, len);
	/* EINVAL: a file that cannot be synced (fsync(2)); nothing to wait for. */
	if (!err && fsync(f->fd) && errno != EINVAL)
		err = -errno;
	if (!err && !f->named)
		err = name_temp(f);
	/* rename(2) replaces the name FILE, whatever it is; it never writes through a link. */
	if (!err && renameat(f->dir_fd, f->tmp_name, f->dir_fd, f->name))
		err = -errno;
	if (err)
		return write_failed(f, err);
	f->named = false;
	if (fsync(f->dir_fd) && errno != EINVAL)
		return sonde_fail(SONDE_EXIT_SYSTEM,
				  "'%s' is written, but syncing %s failed: %s (after a crash it "
				  "may be the previous file)",
				  f->path, f->dir, strerror(errno));
	return 0;
}

void out_file_close(struct out_file *f)
{
	if (!f)
		return;
	if (f->dir_fd >= 0)
		remove_temp(f);
	if (f->fd >= 0)
		close(f->fd);
	if (f->dir_fd >= 0)
		close(f->dir_fd);
	free(f->path);
	free(f->dir);
	free(f);
}

const char *out_file_path(const struct out_file *f)
{
	return f->path;
}
