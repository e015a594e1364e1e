/* SPDX-License-Identifier: GPL-2.0 */
/*
 * -- CMD through a wrapper: which program the command runs is the one the
 * PROBEs are for. One whose functions match every PROBE without an OBJECT
 * (`fixed_work`, `handle_*`), not the shell of a script, env or taskset.
 */
#ifndef SONDE_MAIN_MATCH_H
#define SONDE_MAIN_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include "probe/glob.h"
#include "core/target.h"

struct main_match {
	const struct probe_spec *specs;
	size_t nr;
	char what[256]; /* "'fixed_work', 'lookup'", for messages */
};

/* The match for target.main_match; specs must outlive it. With no PROBE
 * without an OBJECT, any program is the one: the command's first. */
struct target_match main_match_init(struct main_match *m, const struct probe_spec *specs,
				    size_t nr);

/* Does every PROBE without an OBJECT match a function of the program at path? */
bool main_match_is_main(const char *path, const void *m);

#endif
