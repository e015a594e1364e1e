// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/exec_follow.h"
#include "core/exit_watch.h"
#include "core/target_priv.h"
#include "core/util.h"

void target_init(struct target *t)
{
	int i;

	memset(t, 0, sizeof(*t));
	t->hold_fd = -1;
	t->guard_fd = -1;
	for (i = 0; i < SONDE_MAX_PIDS; i++)
		t->pidfds[i] = -1;
}

int target_parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > INT_MAX)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

int target_parse_arg(struct target *t, int argc, char **argv, int *i)
{
	const char *opt = argv[*i];
	pid_t pid;

	if (!strcmp(opt, "--")) {
		if (*i + 1 >= argc)
			return sonde_fail(SONDE_EXIT_INPUT,
					  "'--' must be followed by a command to run");
		t->cmd = &argv[*i + 1];
		*i = argc;
		return 1;
	}
	if (strcmp(opt, "-p") && strcmp(opt, "--pid") && strcmp(opt, "-b") &&
	    strcmp(opt, "--binary") && strcmp(opt, "--ns"))
		return 0;
	if (*i + 1 >= argc)
		return sonde_fail(SONDE_EXIT_INPUT, "%s needs a value (try: sonde lat --help)",
				  opt);
	(*i)++;
	if (!strcmp(opt, "--ns")) {
		if (target_parse_pid(argv[*i], &pid))
			return sonde_fail(SONDE_EXIT_INPUT,
					  "--ns '%s' is not a process ID (try: --ns $(pidof NAME))",
					  argv[*i]);
		t->ns_pid = pid;
		return 1;
	}
	if (opt[1] == 'b' || !strcmp(opt, "--binary")) {
		if (t->binary)
			return sonde_fail(SONDE_EXIT_INPUT,
					  "-b given twice; trace one binary per run");
		t->binary = argv[*i];
		return 1;
	}
	if (target_parse_pid(argv[*i], &pid))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "-p '%s' is not a process ID (try: -p $(pidof NAME))", argv[*i]);
	if (t->nr_pids == SONDE_MAX_PIDS)
		return sonde_fail(SONDE_EXIT_INPUT, "at most %d -p options; use -b BINARY for more",
				  SONDE_MAX_PIDS);
	t->pids[t->nr_pids++] = pid;
	return 1;
}

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

static const char *remember_shown(const char *path, const char *shown)
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
	return remember_shown(path, link);
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
	return remember_shown(link, exe) ? 0 : -ENOMEM;
}

static int prepare_pids(struct target *t)
{
	char link[64], exe[PATH_MAX];
	struct stat first, st, named;
	pid_t pid, task;
	ssize_t n;
	int i;

	for (i = 0; i < t->nr_pids; i++) {
		pid = t->pids[i];
		t->pidfds[i] = (int)syscall(SYS_pidfd_open, pid, 0);
		if (t->pidfds[i] < 0 && errno == ESRCH)
			return sonde_fail(SONDE_EXIT_INPUT,
					  "no process with PID %d (find it with: pgrep -a NAME)",
					  pid);
		/* Its main thread may have exited: another thread shows the program. */
		task = proc_live_task(pid);
		snprintf(link, sizeof(link), "/proc/%d/exe", task);
		if (stat(link, &st))
			return sonde_fail(SONDE_EXIT_SYSTEM,
					  "cannot read %s: %s (is it a kernel thread?)", link,
					  strerror(errno));
		if (i == 0) {
			first = st;
			n = readlink(link, exe, sizeof(exe) - 1);
			if (n <= 0)
				return sonde_fail(SONDE_EXIT_SYSTEM, "cannot read %s: %s", link,
						  strerror(errno));
			exe[n] = '\0';
			proc_root_path(task, exe, t->exe, sizeof(t->exe));
			/* Deleted or replaced since it started ("/usr/bin/x (deleted)", or
			 * another file at that path now): the magic link still opens it. */
			if (stat(t->exe, &named) || named.st_dev != st.st_dev ||
			    named.st_ino != st.st_ino) {
				snprintf(t->exe, sizeof(t->exe), "%s", link);
				remember_shown(link, exe);
			}
		} else if (st.st_dev != first.st_dev || st.st_ino != first.st_ino) {
			return sonde_fail(SONDE_EXIT_INPUT,
					  "PIDs %d and %d run different programs; trace each in "
					  "its own sonde run",
					  t->pids[0], pid);
		}
	}
	return 0;
}

/*
 * -p X -p X, or a process and one of its threads: each link would run every
 * probe once more, and the calls would read as entries without a return
 * (missed_return) and returns without an entry (orphan_return). Each process
 * is traced once, by its process ID, with a note.
 */
static pid_t tgid_of(pid_t tid)
{
	char path[64], line[128];
	pid_t tgid = tid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return tid; /* not there: prepare_pids says so */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid > 0 ? tgid : tid;
}

static void merge_pids(struct target *t)
{
	int i, j, n = 0;
	pid_t tgid;

	for (i = 0; i < t->nr_pids; i++) {
		tgid = tgid_of(t->pids[i]);
		for (j = 0; j < n && t->pids[j] != tgid; j++)
			;
		if (tgid != t->pids[i])
			sonde_say("note: %d is a thread of process %d: tracing the process%s",
				  t->pids[i], tgid, j < n ? ", given already (traced once)" : "");
		else if (j < n)
			sonde_say("note: process %d is given more than once: traced once", tgid);
		if (j == n)
			t->pids[n++] = tgid;
	}
	t->nr_pids = n;
}

int target_prepare(struct target *t)
{
	int kinds = (t->nr_pids > 0) + (t->binary != NULL) + (t->cmd != NULL), err;

	if (kinds == 0)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "no target: give -p PID, -b BINARY or -- CMD ARGS...");
	if (kinds > 1)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "give one kind of target: -p PID, -b BINARY or -- CMD");
	if (t->resolve_only && t->cmd && !t->binary)
		t->binary = t->cmd[0];
	err = target_prepare_ns(t);
	if (err)
		return err;
	if (t->nr_pids) {
		merge_pids(t);
		return prepare_pids(t);
	}
	if (t->binary)
		return target_prepare_binary(t);
	return target_prepare_cmd(t);
}

int target_release(struct target *t)
{
	int err = 0;

	if (t->nr_pids && !t->child_started) {
		err = exit_watch__open(t->pids, t->nr_pids, &t->exit_watch);
		if (err)
			sonde_info("cannot watch how the processes end (%s): an exit is said "
				   "without its status",
				   strerror(-err));
		return 0;
	}
	return target_release_cmd(t);
}

/* "libc" matches libc.so.6, "libssl.so.3" itself, "libz" libz.so.1.2.13. */
static bool object_name_matches(const char *base, const char *name)
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
	return remember_shown(path, file) ? 0 : -ENOMEM;
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
				   : !object_name_matches(strrchr(mapped, '/') + 1, name))
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
		if (!object_name_matches(de->d_name, name) || !strstr(de->d_name, ".so."))
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

bool target_has_pids(const struct target *t)
{
	return t->nr_pids > 0;
}

bool target_all_exited(struct target *t)
{
	int i, alive = 0;

	if (!t->nr_pids)
		return false;
	for (i = 0; i < t->nr_pids; i++) {
		struct pollfd p = {.fd = t->pidfds[i], .events = POLLIN};

		if (t->exited[i])
			continue;
		if (t->pidfds[i] < 0)
			t->exited[i] = kill(t->pids[i], 0) && errno == ESRCH;
		else
			t->exited[i] = poll(&p, 1, 0) > 0;
		if (t->exited[i] && t->pidfds[i] >= 0 && !t->child_started) {
			/* Closed so that the wait loop stops polling it. */
			close(t->pidfds[i]);
			t->pidfds[i] = -1;
		}
		alive += !t->exited[i];
	}
	return alive == 0;
}

void target_abort(struct target *t)
{
	target_abort_cmd(t);
}

void target_free(struct target *t)
{
	int i;

	target_abort(t);
	/* Still running (the run failed half-way): the command ends with sonde and
	 * is reaped, not left to init. */
	if (t->child_started && !t->reaped) {
		target_stop_cmd(t, NULL);
		waitpid(t->cmd_pid, NULL, 0);
		t->reaped = true;
	}
	target_end_guard(t);
	exit_watch__close(t->exit_watch);
	t->exit_watch = NULL;
	for (i = 0; i < SONDE_MAX_PIDS; i++)
		if (t->pidfds[i] >= 0)
			close(t->pidfds[i]);
}

pid_t target_attach_pid(const struct target *t, int i)
{
	return proc_live_task(t->pids[i]) == t->pids[i] ? t->pids[i] : -1;
}

pid_t target_tgid_filter(const struct target *t)
{
	int i;

	for (i = 0; i < t->nr_pids; i++)
		if (target_attach_pid(t, i) < 0)
			return t->pids[i];
	return 0;
}
