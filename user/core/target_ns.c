// SPDX-License-Identifier: GPL-2.0
/*
 * -b BINARY: the file every process running it is traced in, looked up in
 * sonde's mount namespace, in that of --ns PID, or, when sonde's has no such
 * file, in those of the processes that run it (containers).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/target_priv.h"
#include "core/util.h"

/* Does process pid run the file at `path` (as sonde opens it)? */
static bool proc_runs(pid_t pid, const char *path, struct stat *file)
{
	char link[64];
	struct stat exe;

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	return !stat(link, &exe) && !stat(path, file) && exe.st_dev == file->st_dev &&
	       exe.st_ino == file->st_ino;
}

/*
 * -b PATH that sonde's mount namespace does not have: a container's
 * program, found through the processes running it, as /proc/N/root/PATH
 * that is the file /proc/N/exe is (a bare name: the basename of their
 * executable). The first one found is traced; if processes of other
 * namespaces run other files under that name, a note says how to choose.
 */
static int find_binary_in_namespaces(struct target *t, const char *name)
{
	char cand[PATH_MAX], exe[PATH_MAX], shown[PATH_MAX] = "", link[64];
	struct stat st, first = {0};
	bool found = false, others = false;
	struct dirent *de;
	pid_t pid, self = getpid(), at = 0;
	const char *base;
	ssize_t n;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (target_parse_pid(de->d_name, &pid) || pid == self)
			continue;
		snprintf(link, sizeof(link), "/proc/%d/exe", pid);
		n = readlink(link, exe, sizeof(exe) - 1);
		if (n <= 0)
			continue;
		exe[n] = '\0';
		base = strrchr(exe, '/');
		if (strchr(name, '/') ? proc_root_path(pid, name, cand, sizeof(cand))
				      : !base || strcmp(base + 1, name) ||
					    proc_root_path(pid, exe, cand, sizeof(cand)))
			continue;
		if (!proc_runs(pid, cand, &st))
			continue;
		if (!found) {
			first = st;
			at = pid;
			found = true;
			/* Its executable's own path in there: no symlink that leads out. */
			proc_root_path(pid, exe, t->exe, sizeof(t->exe));
			snprintf(shown, sizeof(shown), "%s", exe);
		} else if (st.st_dev != first.st_dev || st.st_ino != first.st_ino) {
			others = true;
		}
	}
	closedir(d);
	if (!found)
		return -ENOENT;
	/* A bare name not on sonde's $PATH, run by a process of sonde's own namespace. */
	if (proc_shares_root(at)) {
		snprintf(t->exe, sizeof(t->exe), "%s", shown);
		sonde_say("note: '%s' is not on $PATH: tracing %s, which process %d runs", name,
			  shown, at);
		return 0;
	}
	snprintf(t->root, sizeof(t->root), "/proc/%d/root", at);
	sonde_say("note: '%s' is not in sonde's mount namespace: tracing the file by that name "
		  "in the namespace of process %d, which runs it (%s there)%s",
		  name, at, shown,
		  others ? "; processes in other namespaces run other files by that name (choose "
			   "one with --ns PID)"
			 : "");
	return 0;
}

/* --ns PID: the path in that process's mount namespace, $PATH's usual dirs for a name. */
static int find_binary_in_root(struct target *t, const char *name)
{
	static const char *const dirs[] = {
	    "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
	};
	size_t i;

	if (strchr(name, '/')) {
		if (name[0] != '/')
			return -EINVAL;
		snprintf(t->exe, sizeof(t->exe), "%s%s", t->root, name);
		return access(t->exe, F_OK) ? -ENOENT : 0;
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if ((size_t)snprintf(t->exe, sizeof(t->exe), "%s%s/%s", t->root, dirs[i], name) >=
		    sizeof(t->exe))
			return -ENAMETOOLONG;
		if (!access(t->exe, X_OK))
			return 0;
	}
	return -ENOENT;
}

int target_prepare_binary(struct target *t)
{
	char found[PATH_MAX];
	int err;

	if (t->ns_pid) {
		err = find_binary_in_root(t, t->binary);
		if (err == -EINVAL)
			return sonde_fail(SONDE_EXIT_INPUT,
					  "with --ns, give -b an absolute path or a name on $PATH "
					  "(not '%s')",
					  t->binary);
		if (err)
			return sonde_fail(SONDE_EXIT_INPUT,
					  "binary '%s' not found in the mount namespace of process "
					  "%d (look: ls %s/)",
					  t->binary, t->ns_pid, t->root);
		return 0;
	}
	err = target_search_path(t->binary, found, sizeof(found));
	if (err && !t->cmd && !find_binary_in_namespaces(t, t->binary))
		return 0;
	if (err)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "binary '%s' not found (give a path, or a name on $PATH; in a "
				  "container: --ns PID)",
				  t->binary);
	if (!realpath(found, t->exe))
		return sonde_fail(SONDE_EXIT_INPUT, "cannot resolve '%s': %s", found,
				  strerror(errno));
	return 0;
}

/* --ns PID: paths are looked up in its mount namespace, through /proc/PID/root. */
int target_prepare_ns(struct target *t)
{
	struct stat st;

	if (!t->ns_pid)
		return 0;
	if (!t->binary)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "--ns PID goes with -b PATH (-p already looks up paths as each "
				  "process sees them; a command runs in sonde's namespace)");
	snprintf(t->root, sizeof(t->root), "/proc/%d/root", t->ns_pid);
	if (stat(t->root, &st))
		return sonde_fail(errno == ENOENT ? SONDE_EXIT_INPUT : SONDE_EXIT_SYSTEM,
				  "--ns %d: %s (find the process with: pgrep -a NAME)", t->ns_pid,
				  errno == ENOENT ? "no such process" : strerror(errno));
	return 0;
}
