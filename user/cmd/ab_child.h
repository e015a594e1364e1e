/* SPDX-License-Identifier: GPL-2.0 */
/* sonde ab's runs as child processes, and the stop signals meanwhile (user/cmd/ab_child.c). */
#ifndef SONDE_AB_CHILD_H
#define SONDE_AB_CHILD_H

#include <stdbool.h>
#include <stddef.h>

/* A line, or a part of one longer than 4 KiB (`first`: its start), with its '\n'. */
typedef void (*ab_chunk_fn)(void *ctx, const char *s, size_t len, bool first);

/* SIGINT and SIGTERM counted (ab_stopped()); one sent to ab alone goes on to the run. */
void ab_install_signals(void);
unsigned int ab_stopped(void);

/*
 * Start argv as /proc/self/exe (dying with ab), its stdout to out_fn and its
 * stderr to err_fn line by line, until it exits: its wait status in *status.
 * 0 or -errno.
 */
int ab_child_run(char **argv, ab_chunk_fn out_fn, ab_chunk_fn err_fn, void *ctx, int *status);

#endif
