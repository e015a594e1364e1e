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
 * "(postgres+0x2a1f0)" (the object and the file offset) without a symbol, or
 * "0x7f..." outside the process's files.
 * Maps are read once per process and again when an address falls outside them;
 * a process that exited is still known until its PID is reused or its slot is
 * needed, so its late records are named too. */
const char *symbolizer__name(struct symbolizer *s, pid_t pid, __u64 addr, char *buf, size_t len);

/* Whether addr is in code of process pid (an executable mapping, named or
 * not): 1 yes, 0 no, -1 the process is not known (gone before its maps were read). */
int symbolizer__is_code(struct symbolizer *s, pid_t pid, __u64 addr);

/* Forget a process (it exited, or its mappings changed). */
void symbolizer__forget(struct symbolizer *s, pid_t pid);

/* How many processes and mapped files are remembered now. */
size_t symbolizer__nr_processes(const struct symbolizer *s);
size_t symbolizer__nr_objects(const struct symbolizer *s);

#endif
