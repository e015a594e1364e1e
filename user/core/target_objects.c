// SPDX-License-Identifier: GPL-2.0
/* An OBJECT named in a PROBE, found as the target maps it or would load it (target.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/target_priv.h"

bool target_object_name_matches(const char *base, const char *name)
{
	size_t n = strlen(name);

	if (!strcmp(base, name))
		return true;
	if (strncmp(base, name, n))
		return false;
	return base[n] == '.' || base[n] == '-';
}

/*
 * The path to probe an object mapped by process `task` through: the file as the
 * process sees it, or, when that file was deleted or replaced since it was
 * mapped (a package upgrade), /proc/TASK/map_files/START-END, a link to the
 * mapped inode itself that opens and attaches like the file did.
 */
static int mapped_object_path(pid_t task, const char *line, const char *file, char *path,
			      size_t len)
{
	static const char deleted[] = " (deleted)";
	unsigned long long start, end, ino;
	size_t n = strlen(file), dl = sizeof(deleted) - 1;
	bool gone = n > dl && !strcmp(file + n - dl, deleted);
	struct stat st;

	if (sscanf(line, "%llx-%llx %*s %*s %*s %llu", &start, &end, &ino) != 3)
		return -EINVAL;
	if (!gone) {
		if (proc_root_path(task, file, path, len))
			return -ENAMETOOLONG;
		if (!stat(path, &st) && st.st_ino == ino)
			return 0;
	}
	snprintf(path, len, "/proc/%d/map_files/%llx-%llx", task, start, end);
	if (access(path, R_OK))
		return -errno;
	/* Named as the kernel names it: "/usr/lib/x.so (deleted)". */
	return target_remember_shown(path, file) ? 0 : -ENOMEM;
}

/* A mapped object of process pid by name ("libc", "libssl.so.3") or, for a name
 * starting with '/', by its path as the process maps it. */
static int find_in_maps(pid_t pid, const char *name, char *path, size_t len)
{
	static const char deleted[] = " (deleted)";
	char maps[64], line[PATH_MAX + 128], mapped[PATH_MAX], *file;
	pid_t task = proc_live_task(pid);
	int ret = -ENOENT;
	size_t n;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", task);
	f = fopen(maps, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		file = strchr(line, '/');
		if (!file)
			continue;
		/* "/usr/lib/libx.so.1 (deleted)": the file is what comes before. */
		snprintf(mapped, sizeof(mapped), "%s", file);
		n = strlen(mapped);
		if (n > sizeof(deleted) - 1 && !strcmp(mapped + n - (sizeof(deleted) - 1), deleted))
			mapped[n - (sizeof(deleted) - 1)] = '\0';
		if (name[0] == '/' ? strcmp(mapped, name)
				   : !target_object_name_matches(strrchr(mapped, '/') + 1, name))
			continue;
		ret = mapped_object_path(task, line, file, path, len);
		break;
	}
	fclose(f);
	return ret;
}

static int find_in_dir(const char *dir, const char *name, char *path, size_t len)
{
	struct dirent *de;
	char best[NAME_MAX + 1] = "";
	DIR *d = opendir(dir);

	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		/* Shared objects only: not libc.a, not linker scripts named libc.so. */
		if (!target_object_name_matches(de->d_name, name) || !strstr(de->d_name, ".so."))
			if (strcmp(de->d_name, name))
				continue;
		/* Prefer the exact name, then the shortest (libz.so.1 over libz.so.1.2.13). */
		if (!strcmp(de->d_name, name) || !best[0] || strlen(de->d_name) < strlen(best))
			snprintf(best, sizeof(best), "%s", de->d_name);
		if (!strcmp(de->d_name, name))
			break;
	}
	closedir(d);
	if (!best[0])
		return -ENOENT;
	snprintf(path, len, "%s/%s", dir, best);
	return 0;
}

/* Without a running process to look at (-b, or a command not yet exec'ed):
 * the executable's own directory, LD_LIBRARY_PATH, then the system's; in
 * another mount namespace (t->root), its system directories. */
static int find_on_disk(const struct target *t, const char *name, char *path, size_t len)
{
	static const char *const sys_dirs[] = {
	    "/lib/x86_64-linux-gnu",
	    "/usr/lib/x86_64-linux-gnu",
	    "/lib64",
	    "/usr/lib64",
	    "/lib",
	    "/usr/lib",
	    "/usr/local/lib",
	};
	char dir[PATH_MAX], *slash, *llp, *tok, *save = NULL;
	size_t i;

	snprintf(dir, sizeof(dir), "%s", t->exe);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		if (!find_in_dir(dir, name, path, len))
			return 0;
	}
	/* sonde's own LD_LIBRARY_PATH names sonde's files, not another namespace's. */
	llp = t->root[0] ? NULL : getenv("LD_LIBRARY_PATH");
	if (llp && (llp = strdup(llp))) {
		for (tok = strtok_r(llp, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
			if (!find_in_dir(tok, name, path, len)) {
				free(llp);
				return 0;
			}
		}
		free(llp);
	}
	for (i = 0; i < sizeof(sys_dirs) / sizeof(sys_dirs[0]); i++) {
		snprintf(dir, sizeof(dir), "%s%s", t->root, sys_dirs[i]);
		if (!find_in_dir(dir, name, path, len))
			return 0;
	}
	return -ENOENT;
}

int target_find_object(const struct target *t, const char *name, char *path, size_t len)
{
	char real[PATH_MAX];

	if (strchr(name, '/')) {
		/* The file the process maps, which may not be the one at the path now. */
		if (t->nr_pids && !t->child_started && name[0] == '/' &&
		    !find_in_maps(t->pids[0], name, path, len))
			return 0;
		if (t->nr_pids && !t->child_started && name[0] == '/')
			proc_root_path(proc_live_task(t->pids[0]), name, path, len);
		else if (t->root[0] && name[0] == '/')
			snprintf(path, len, "%s%s", t->root, name);
		else
			snprintf(path, len, "%s", name);
		return access(path, R_OK) ? -ENOENT : 0;
	}
	if (t->nr_pids && !t->child_started)
		return find_in_maps(t->pids[0], name, path, len);
	if (find_on_disk(t, name, path, len))
		return -ENOENT;
	/* Through /proc/PID/root, realpath() would leave that namespace. */
	if (!t->root[0] && realpath(path, real))
		snprintf(path, len, "%s", real);
	return 0;
}
