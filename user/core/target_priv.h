/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers the target modules share (target.c, target_proc.c, target_objects.c,
 * target_ns.c, target_cmd.c, target_end.c). */
#ifndef SONDE_TARGET_PRIV_H
#define SONDE_TARGET_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "core/target.h"

/* A process ID as -p and --ns take it: digits, > 0. */
int target_parse_pid(const char *s, pid_t *pid);

/* Does process pid see files as sonde does: the same mount namespace (a
 * private one has the same root inode, other mounts) and the same root (chroot)? */
bool proc_shares_root(pid_t pid);

/* -b: find the binary (target_ns.c); --ns PID: check it, and set t->root. */
int target_prepare_binary(struct target *t);
int target_prepare_ns(struct target *t);

/* execvp's search, without a shell: the path that would run for `name`. */
int target_search_path(const char *name, char *out, size_t len);

/* The file as process pid sees it, through /proc/PID/root (containers). */
int proc_root_path(pid_t pid, const char *path, char *out, size_t len);

/* The executable of process pid as a path sonde opens: the path it was run
 * from when that is still the file, else /proc/PID/exe (named as the kernel
 * names a replaced file: "PATH (deleted)"). */
int proc_exe_path(pid_t pid, char *out, size_t len);

/* Remember how a path sonde reaches through /proc reads in output (the file it
 * links to: "/usr/lib/x.so (deleted)"), for target_object_shown(). The copy
 * kept, or NULL without memory. */
const char *target_remember_shown(const char *path, const char *shown);

/* -- CMD: fork the command, held before its exec (or, through a wrapper,
 * after the exec of the program to trace). */
int target_prepare_cmd(struct target *t);
/* -- CMD: let it run. */
int target_release_cmd(struct target *t);
/* -- CMD: a command held and never let run ends here, reaped. */
void target_abort_cmd(struct target *t);
/* -- CMD: sonde ends normally; the guard of a process a wrapper started need not kill it. */
void target_end_guard(struct target *t);

#endif
