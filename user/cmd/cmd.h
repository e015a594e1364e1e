/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Subcommands: the table main dispatches from, and what they share. Each
 * command parses its own options (cmd_opts.h) and returns an exit status.
 */
#ifndef SONDE_CMD_H
#define SONDE_CMD_H

#include <stddef.h>

struct cmd_opt;
struct out_file;
struct probe_spec;
struct sonde_profile;
struct target;

/* What a command needs done once its options are parsed, before it starts: cmd_setup(). */
enum cmd_needs {
	CMD_NEEDS_ROOT = 1 << 0,       /* refuse with exit 3 and the sudo line unless root */
	CMD_NEEDS_OUTPUT = 1 << 1,     /* -o FILE: checked writable, its temporary made */
	CMD_NEEDS_LIBBPF_LOG = 1 << 2, /* libbpf's messages on stderr with -v */
};

struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
	unsigned int needs; /* enum cmd_needs */
	const char *summary;
};

extern const struct cmd cmd_table[];
extern const size_t cmd_table_len;

/* The command called `name`, or NULL. */
const struct cmd *cmd_find(const char *name);

/*
 * What command `name` needs (its table entry), in order: the root check, the
 * -o FILE check that leaves its temporary file in *out (when `output` is
 * not NULL), libbpf's print hook. So a long run never fails at its end for a
 * file it cannot write. 0, or a sonde_fail() code.
 */
int cmd_setup(const char *name, const char *output, struct out_file **out);
/* A tracing command's start once parsed: cmd_setup(), then the target made ready. */
int cmd_trace_prepare(const char *name, const char *output, struct out_file **out,
		      struct target *t);

/* After attaching: 0, or exit 3 when every traced process ended meanwhile. */
int cmd_check_target_alive(struct target *t);

/* Let a held -- CMD run: 0, or exit 3 saying why it could not start. */
int cmd_release_target(struct target *t);

/*
 * The end of a tracing command, err its outcome: when it ran, how the target
 * ended (after the final report; exit 3 when a signal killed it); then -o's
 * temporary file closed and the target freed. Returns the exit status.
 */
int cmd_trace_end(int err, struct target *t, struct out_file *out);

/* `arg`, [OBJECT:]GLOB, parsed onto the end of (*specs)[*nr]: 0, -ENOMEM, or
 * -EINVAL when it is not one (the caller says so, in its own words). */
int cmd_add_probe_spec(struct probe_spec **specs, size_t *nr, const char *arg);

/* --returns HOW (lat, list): an option callback (cmd_opts.h) storing an enum return_mode. */
int cmd_opt_returns(const struct cmd_opt *opt, const char *name, const char *val);

/* The profiles at files[0..nr-1], all of one kind (diff, trend), into *out
 * (free with cmd_free_profiles()). 0, or a sonde_fail() code: a file that
 * cannot be read or is no profile, or one of another kind than the first. */
int cmd_read_profiles(const char *const *files, size_t nr, struct sonde_profile ***out);
void cmd_free_profiles(struct sonde_profile **p, size_t nr);

int cmd_lat(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_mem(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_ab(int argc, char **argv);
int cmd_trend(int argc, char **argv);
int cmd_rules(int argc, char **argv);

#endif
