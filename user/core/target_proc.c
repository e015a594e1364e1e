// SPDX-License-Identifier: GPL-2.0
/* Processes as /proc shows them: their files, their live task, their executable, and
 * how a path reached through /proc reads in output (target_priv.h, target.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/target_priv.h"

int proc_root_path(pid_t pid, const char *path, char *out, size_t len)
{
	char prefix[32];
	size_t plen = (size_t)snprintf(prefix, sizeof(prefix), "/proc/%d/root", pid);

	if (plen + strlen(path) >= len)
		return -ENAMETOOLONG;
	memcpy(out, prefix, plen);
	memcpy(out + plen, path, strlen(path) + 1);
	return 0;
}

int target_search_path(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return access(out, F_OK) ? -errno : 0;
	}
	for (p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		snprintf(out, len, "%.*s/%s", (int)(end - p), p, name);
		if (!access(out, X_OK))
			return 0;
	}
	return -ENOENT;
}

/* Does /proc/N show a memory map? A zombie, such as a main thread that called
 * pthread_exit() while the other threads run on, has none: its exe link cannot
 * be read, its maps are empty, its root and map_files are gone. */
static bool proc_has_mm(pid_t n)
{
	char link[64], c;

	snprintf(link, sizeof(link), "/proc/%d/exe", n);
	return readlink(link, &c, 1) == 1;
}

pid_t proc_live_task(pid_t pid)
{
	struct dirent *de;
	pid_t tid, found = pid;
	char dir[64];
	DIR *d;

	if (proc_has_mm(pid))
		return pid;
	snprintf(dir, sizeof(dir), "/proc/%d/task", pid);
	d = opendir(dir);
	if (!d)
		return pid;
	/* /proc/TID is there for every thread, though only leaders are listed. */
	while ((de = readdir(d))) {
		if (target_parse_pid(de->d_name, &tid) || tid == pid || !proc_has_mm(tid))
			continue;
		found = tid;
		break;
	}
	closedir(d);
	return found;
}

/*
 * Paths of objects reached through /proc because the file they were mapped
 * from was deleted or replaced (/proc/N/exe, /proc/N/map_files/START-END),
 * with how they read in output: the original path and " (deleted)", as the
 * kernel names it. Filled when the path is chosen, while the link can still
 * be read; a handful of objects per run.
 */
struct shown_object {
	char *path, *shown;
};

static struct shown_object *shown_objects;
static size_t nr_shown_objects;

const char *target_remember_shown(const char *path, const char *shown)
{
	struct shown_object *v;
	char *p, *n;

	v = realloc(shown_objects, (nr_shown_objects + 1) * sizeof(*v));
	if (!v)
		return NULL;
	shown_objects = v;
	p = strdup(path);
	n = strdup(shown);
	if (!p || !n) {
		free(p);
		free(n);
		return NULL;
	}
	v[nr_shown_objects] = (struct shown_object){p, n};
	return v[nr_shown_objects++].shown;
}

const char *target_object_shown(const char *path)
{
	char link[PATH_MAX];
	unsigned long a, b;
	ssize_t n;
	size_t i;
	int pid, at = 0;

	for (i = 0; i < nr_shown_objects; i++)
		if (!strcmp(shown_objects[i].path, path))
			return shown_objects[i].shown;
	if (sscanf(path, "/proc/%d/exe%n", &pid, &at) != 1 || path[at]) {
		at = 0;
		if (sscanf(path, "/proc/%d/map_files/%lx-%lx%n", &pid, &a, &b, &at) != 3 ||
		    path[at])
			return NULL;
	}
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return NULL;
	link[n] = '\0';
	return target_remember_shown(path, link);
}

/* Does process pid see files as sonde does: the same mount namespace (a
 * private one has the same root inode, other mounts) and the same root (chroot)? */
bool proc_shares_root(pid_t pid)
{
	struct stat proc_ns, own_ns, proc_root, own_root;
	char ns[64], root[64];

	snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", pid);
	snprintf(root, sizeof(root), "/proc/%d/root", pid);
	return !stat(ns, &proc_ns) && !stat("/proc/self/ns/mnt", &own_ns) &&
	       proc_ns.st_ino == own_ns.st_ino && !stat(root, &proc_root) &&
	       !stat("/", &own_root) && proc_root.st_dev == own_root.st_dev &&
	       proc_root.st_ino == own_root.st_ino;
}

int proc_exe_path(pid_t pid, char *out, size_t len)
{
	char link[64], exe[PATH_MAX];
	struct stat st, named;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	if (stat(link, &st))
		return -errno;
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n <= 0)
		return n ? -errno : -ENOENT;
	exe[n] = '\0';
	/* In sonde's own root, the path as /proc/PID/maps names it (probe_check.c reads it). */
	if (proc_shares_root(pid))
		snprintf(out, len, "%s", exe);
	else if (proc_root_path(pid, exe, out, len))
		return -ENAMETOOLONG;
	if (!stat(out, &named) && named.st_dev == st.st_dev && named.st_ino == st.st_ino)
		return 0;
	snprintf(out, len, "%s", link);
	return target_remember_shown(link, exe) ? 0 : -ENOMEM;
}
