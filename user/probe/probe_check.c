// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "probe/probe_check.h"
#include "core/util.h"

/* How long the command may take from release to its executable being mapped. */
#define CHECK_WAIT_MS 2000

struct exe_map {
	unsigned long start, end, offset;
};

/* The executable's mappings once exec has mapped its code; 0 found if it never did. */
static size_t wait_exe_mapped(pid_t pid, const char *exe, struct exe_map *maps, size_t max)
{
	char path[64], line[4352], perms[8], file[4096];
	size_t n = 0;
	bool code;
	int ms;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	for (ms = 0; ms < CHECK_WAIT_MS; ms++, usleep(1000)) {
		f = fopen(path, "re");
		if (!f)
			return 0; /* it exited: nothing to check */
		for (n = 0, code = false; fgets(line, sizeof(line), f) && n < max;) {
			struct exe_map m;

			file[0] = '\0';
			if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095[^\n]", &m.start, &m.end, perms,
				   &m.offset, file) < 4 || strcmp(file, exe))
				continue;
			maps[n++] = m;
			code |= perms[2] == 'x';
		}
		fclose(f);
		if (code)
			return n;
	}
	return 0;
}

/* The byte at a file offset of the executable, as the process sees it: 0 if unmapped. */
static int byte_at(int mem, const struct exe_map *maps, size_t n, unsigned long off,
		   unsigned char *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (off >= maps[i].offset && off < maps[i].offset + (maps[i].end - maps[i].start))
			return pread(mem, b, 1, (off_t)(maps[i].start + off - maps[i].offset)) == 1
				   ? 1
				   : 0;
	return 0;
}

/* An installed probe: int3, or on 6.16+ a 5-byte NOP's call to the uprobe trampoline. */
static bool looks_probed(int mem, const struct exe_map *maps, size_t n, unsigned long off)
{
	unsigned char b = 0;

	return !byte_at(mem, maps, n, off, &b) || b == 0xcc || b == 0xe8;
}

int probes_check_installed(struct probe_set *set, pid_t pid, const char *exe)
{
	struct exe_map maps[32];
	char path[64];
	size_t n, i, j;
	int mem, err = 0;
	bool ok;

	n = wait_exe_mapped(pid, exe, maps, sizeof(maps) / sizeof(maps[0]));
	if (!n)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDONLY | O_CLOEXEC);
	if (mem < 0)
		return 0; /* it exited meanwhile */
	for (i = 0; i < set->nr && !err; i++) {
		const struct probe_site *s = &set->sites[i];

		if (s->refused_at_attach || strcmp(s->object, exe))
			continue;
		ok = looks_probed(mem, maps, n, s->offset);
		for (j = 0; ok && s->ret == PROBE_RET_INSNS && j < s->exits.nr; j++)
			ok = looks_probed(mem, maps, n,
					  (unsigned long)((__s64)s->func_offset + s->exits.offsets[j]));
		if (!ok)
			err = probe_set_skip(set, i,
					     "the kernel did not install its probe when the command "
					     "started (it refuses the instruction)");
	}
	close(mem);
	return err;
}
