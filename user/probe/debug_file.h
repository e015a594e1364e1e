/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The separate debug file of a stripped ELF object: where distributions put
 * the .symtab that strip removed (Debian's -dbgsym packages, Fedora's
 * -debuginfo, a debuginfod server).
 */
#ifndef SONDE_DEBUG_FILE_H
#define SONDE_DEBUG_FILE_H

#include <limits.h>
#include <stddef.h>
#include <libelf.h>

struct debug_file {
	int fd;
	Elf *elf;
	char path[PATH_MAX]; /* where it was found */
	const char *how;     /* "build-id", ".gnu_debuglink", "debuginfod" */
};

/*
 * Find the debug file of the object at `path` (open in libelf as `obj`), in
 * gdb's order: DEBUG_ROOT/.build-id/xx/yyyy.debug for the object's GNU
 * build-id; its .gnu_debuglink name next to it, in .debug/ beside it and
 * under DEBUG_ROOT/<its directory>/ (the CRC32 checked); then, when
 * DEBUGINFOD_URLS is set, a debuginfod server (libdebuginfod: its cache and
 * environment variables; the wait bounded). DEBUG_ROOT is /usr/lib/debug, or
 * $SONDE_DEBUG_ROOT (a test knob). A file is used only if it has a .symtab,
 * its build-id is the object's and its load segments are the object's, so
 * its symbol addresses are the object's; one that fails is named in a note
 * with the reason. Paths through /proc (/proc/N/root/..., /proc/N/map_files/...)
 * are looked up as the process sees them. 0 with df filled, -ENOENT when
 * there is none (-v says where it looked), -ENOMEM.
 */
int debug_file_open(const char *path, Elf *obj, struct debug_file *df);
void debug_file_close(struct debug_file *df);

/* Why the debug file `dbg` does not describe the object `obj` (their load
 * segments differ), or NULL when it does. */
const char *debug_file_mismatch(Elf *obj, Elf *dbg, char *why, size_t len);

/* The GNU build-id note of an ELF object as lowercase hex; -ENOENT when it has none. */
int debug_file_build_id(Elf *elf, char *hex, size_t len);

/* The CRC32 that .gnu_debuglink records (zlib's), of the file open at fd. */
int debug_file_crc32(int fd, unsigned int *crc);

#endif
