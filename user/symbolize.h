/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Addresses in a process -> "function+0xoff (object)", through
 * /proc/PID/maps and the same symbol tables (elf_syms) the probes use.
 * Bounded: a few dozen processes are remembered (exited ones go first), and
 * each mapped file is read once for all the processes that map it.
 */
#ifndef SONDE_SYMBOLIZE_H
#define SONDE_SYMBOLIZE_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

struct symbolizer;

struct symbolizer *symbolizer__new(void);
void symbolizer__free(struct symbolizer *s);

/* Name of the function holding addr in process pid: "handle_req+0x1c", or
 * "libc.so.6+0x2a1f0" without a symbol, or "0x7f..." without a mapping.
 * Maps are read once per process and again when an address falls outside them;
 * a process that exited is still known until its PID is reused or its slot is
 * needed, so its late records are named too. */
const char *symbolizer__name(struct symbolizer *s, pid_t pid, __u64 addr, char *buf, size_t len);

/* Forget a process (it exited, or its mappings changed). */
void symbolizer__forget(struct symbolizer *s, pid_t pid);

/* How many processes and mapped files are remembered now. */
size_t symbolizer__nr_processes(const struct symbolizer *s);
size_t symbolizer__nr_objects(const struct symbolizer *s);

#endif
