/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kinds of profile ("lat", "mem"), one table: what each reads from its
 * file and frees. Files look a kind up here instead of testing for it;
 * user/diff/diff_kind.h says how each is compared, and the output formats
 * (user/out/format.h) how each is printed.
 */
#ifndef SONDE_PROFILE_KIND_H
#define SONDE_PROFILE_KIND_H

#include "out/sonde_profile.h"

struct json_t;

struct profile_kind_ops {
	enum profile_kind kind;
	const char *name; /* the file's "kind" */
	/* The kind's part of the file into sp; failures are reported (sonde: ...). */
	int (*read)(const char *path, struct json_t *root, struct sonde_profile *sp);
	void (*free)(struct sonde_profile *sp);
};

const struct profile_kind_ops *profile_kind_of(enum profile_kind kind);
/* NULL when no kind has that name. */
const struct profile_kind_ops *profile_kind_named(const char *name);

#endif
