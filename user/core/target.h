/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What is traced: processes by PID (-p), every process running a binary (-b),
 * or a command sonde starts and holds until the probes are attached (-- CMD).
 */
#ifndef SONDE_TARGET_H
#define SONDE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SONDE_MAX_PIDS 64

struct exit_watch;
struct exec_follow;

/*
 * -- CMD: is the program at `path` the one the probes are for? (lat: every
 * PROBE without an OBJECT matches a function in it.) Without one, or when the
 * command's own program is, sonde traces the command's first program.
 */
struct target_match {
	bool (*is_main)(const char *path, const void *ctx);
	const void *ctx;
	const char *what; /* what it looks for, for messages: "'handle_*'" */
};

/* The target options' lines of lat's and mem's --help. */
#define TARGET_USAGE_NS                                                                            \
	"  --ns PID         look up -b and OBJECT paths as process PID sees them (its\n"           \
	"                   mount namespace: a container), through /proc/PID/root\n"

struct target {
	/* The command whose TARGET this is ("mem"), named in the advice of a
	 * parse error: "(try: sonde mem --help)". NULL: lat. */
	const char *command;
	pid_t pids[SONDE_MAX_PIDS]; /* -p, or the started command's pid */
	int nr_pids;
	char *binary;	/* -b, as given */
	char **cmd;	/* -- CMD ARGS..., NULL-terminated */
	char exe[4096]; /* main executable, as a path sonde can open */

	/* --ns PID, or a -b found in another mount namespace: "/proc/PID/root",
	 * where paths are looked up; "": sonde's own. */
	char root[64];
	pid_t ns_pid; /* --ns PID; 0: none */

	/* -- CMD: which exec'd program to trace; sonde's child (pids[0] is the
	 * process traced, the child itself or one it started); through a
	 * wrapper, what holds pids[0] after its exec until the release, and the
	 * child's wait status if it ended (reaped) while followed. */
	struct target_match main_match;
	pid_t cmd_pid;
	struct exec_follow *follow;
	bool cmd_ended;
	int cmd_status;
	/* ... and when pids[0] is not sonde's child: the guard that kills it if
	 * sonde dies, and the pipe that tells it sonde did not. */
	pid_t guard_pid;
	int guard_fd;

	int pidfds[SONDE_MAX_PIDS];
	bool exited[SONDE_MAX_PIDS];
	bool resolve_only; /* sonde list: do not start the command */
	int hold_fd;	   /* write end of the pipe the held child waits on */
	bool child_started;
	bool reaped;		   /* ... and waited for */
	bool stopping;		   /* sonde ended the run before the target did */
	int stop_signal;	   /* -- CMD: what sonde sent it (SIGTERM, SIGKILL), 0: nothing */
	bool stop_hurried;	   /* ... SIGKILL at once, on a second SIGINT/SIGTERM */
	bool said[SONDE_MAX_PIDS]; /* -p: its exit was reported */
	bool pid_killed;	   /* -p: one died of a signal */
	bool said_forks;	   /* -p: that one forked was reported */
	struct exit_watch *exit_watch; /* -p: how the processes end; NULL: not known */
};

void target_init(struct target *t);

/* Parse one target option (-p, -b, --ns, --): returns 1 when argv[*i] was a
 * target option (and advances *i past its value), 0 when it was not, or a
 * sonde_fail() code, whose advice names t->command. */
int target_parse_arg(struct target *t, int argc, char **argv, int *i);

/*
 * Check the target (PIDs exist, binary is there) and resolve the executable.
 * -p: a PID given twice, or a thread of a process also given, is traced once.
 * -b: a path not in sonde's mount namespace is looked up in those of the
 * processes running it (containers). -- CMD: fork the child and hold it
 * before exec; when main_match says its program is not the one to trace but
 * one it names may be (a wrapper: taskset, env, timeout, a script), follow
 * its execs and hold the process that execs the right one.
 */
int target_prepare(struct target *t);

/* The trace begins. -- CMD: let the held child exec; -p: start watching how
 * the processes end (when that cannot load, their exits are said without a
 * status). */
int target_release(struct target *t);

/* Path of an object named in a PROBE ("libc", "libssl.so.3", a path) as the
 * target maps it (through /proc/PID/root, so containers work). */
int target_find_object(const struct target *t, const char *name, char *path, size_t len);
/* Whether a file name is the OBJECT `name` of a PROBE: "libc" is libc.so.6,
 * "libssl.so.3" itself, "libz" libz.so.1.2.13. */
bool target_object_name_matches(const char *base, const char *name);

/* PID filter for attaching: the pids, or none (-b: every process). */
bool target_has_pids(const struct target *t);

/* Are all traced processes gone? (-b never ends on its own.) */
bool target_all_exited(struct target *t);

/* -p: say on stderr which processes exited since the last call (not -b). */
void target_say_exits(struct target *t);

/* After the final report: reap the command sonde started and say on stderr
 * how the target ended (killed by a signal, a non-zero status, ended by
 * sonde). Returns sonde's exit status: SONDE_EXIT_SYSTEM when the command or
 * a -p process died of a signal that sonde did not send, else 0. */
int target_report_end(struct target *t);

/* -- CMD, when sonde stops first (-d, Ctrl-C, SIGTERM): the command sonde
 * started ends with it — SIGTERM, then SIGKILL after 2 s, or at once when
 * hurry() says so (a second Ctrl-C) during those 2 s. */
void target_stop_cmd(struct target *t, bool (*hurry)(void));

/* Let a held child that never ran (attach failed) exit, and reap it. */
void target_abort(struct target *t);

void target_free(struct target *t);

/* A task of process pid whose /proc/N entries (exe, maps, map_files, root,
 * statm) show the process: pid itself, or another of its threads once the
 * main thread has exited (pthread_exit(): a zombie leader has no memory map).
 * pid when there is none. */
pid_t proc_live_task(pid_t pid);

/*
 * The pid to give the kernel when attaching to traced process i: itself, or
 * -1 (every process) when its main thread has exited, since the kernel's pid
 * filter for uprobe_multi then matches nothing; target_tgid_filter() names
 * the process for the BPF side to filter by instead.
 */
pid_t target_attach_pid(const struct target *t, int i);
pid_t target_tgid_filter(const struct target *t);

/* How an object path reads in output when it goes through /proc because its
 * file was deleted or replaced while mapped (/proc/N/exe, /proc/N/map_files/...):
 * "/usr/lib/x.so (deleted)". NULL for any other path. */
const char *target_object_shown(const char *path);

/* -b: the inode of the binary, which BPF's exe filter compares; 0 otherwise. */
unsigned long long target_binary_ino(const struct target *t);

#endif
