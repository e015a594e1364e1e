/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output files (-o FILE) that cannot harm what is already there, in the
 * manner of git's lockfile.h: out_file_open() at the start of a run creates
 * a new file in FILE's directory — unnamed (O_TMPFILE), or ".FILE.XXXXXX"
 * made with O_CREAT|O_EXCL|O_NOFOLLOW where the filesystem has no O_TMPFILE —
 * and keeps its descriptor; out_file_commit() at the end writes the content
 * through that descriptor, syncs it and renames it over FILE, then syncs the
 * directory. FILE itself is never opened: a symbolic link there is replaced,
 * not followed, and any failure leaves the previous FILE as it was.
 */
#ifndef SONDE_OUT_FILE_H
#define SONDE_OUT_FILE_H

#include <stddef.h>

struct out_file;

/*
 * Check that `path` can be written and create its temporary file (mode 0666
 * less the umask). 0, or a reported error (sonde: ...): -SONDE_EXIT_INPUT when
 * the directory is missing or not writable, or `path` exists and is not a
 * regular file or a symbolic link (a directory, a FIFO, a device).
 */
int out_file_open(const char *path, struct out_file **out);

/*
 * Write `len` bytes of `data` (gzip-compressed when the path ends in ".gz"),
 * fsync, rename over the path, fsync the directory. 0, or a reported error
 * (-SONDE_EXIT_SYSTEM: no space left, I/O error; the previous file is kept).
 * Either way the temporary file is gone afterwards; call it once.
 */
int out_file_commit(struct out_file *f, const void *data, size_t len);

/* Remove the temporary file unless committed, and free. NULL is fine. */
void out_file_close(struct out_file *f);

/* The path as given to out_file_open(). */
const char *out_file_path(const struct out_file *f);

#endif
