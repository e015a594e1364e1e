/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How processes that are not sonde's children end: their wait(2)-style
 * status, taken by bpf/exits.bpf.c when their last thread exits (waitpid()
 * answers only the parent), and whether they fork while traced.
 */
#ifndef SONDE_EXIT_WATCH_H
#define SONDE_EXIT_WATCH_H

#include <sys/types.h>

struct exit_watch;

/* Load and attach, watching `nr` processes; on error nothing is left. */
int exit_watch__open(const pid_t *pids, int nr, struct exit_watch **out);

/* 0 and the status in *status (WIFEXITED(), WTERMSIG(), ... apply) once `pid`
 * has exited while watched; -ENOENT when its exit was not seen. */
int exit_watch__status(const struct exit_watch *w, pid_t pid, int *status);

/* How many processes the watched ones forked so far; *from: the last parent. */
unsigned long exit_watch__forks(const struct exit_watch *w, pid_t *from);

void exit_watch__close(struct exit_watch *w);

#endif
