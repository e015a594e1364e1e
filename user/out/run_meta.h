/* SPDX-License-Identifier: GPL-2.0 */
/* What a recorded run was: where, when, of what, and how sonde was asked. */
#ifndef SONDE_RUN_META_H
#define SONDE_RUN_META_H

#include <stddef.h>
#include <linux/types.h>
#include "probe/probes.h"
#include "core/target.h"

/* SONDE_VERSION, the version recorded, comes from the Makefile (-D): one place. */
const char *sonde_version(void);

struct run_object {
	char *path;
	char *build_id; /* hex, or NULL when the object has none */
};

struct run_meta {
	char *sonde_version;
	char *host;
	char *kernel;
	__u64 start_unix_ns;
	char *command; /* -- CMD, space-joined; NULL otherwise */
	char *binary;  /* -b */
	int pids[SONDE_MAX_PIDS];
	int nr_pids;
	char *options; /* sonde's own command line */
	struct run_object *objects;
	size_t nr_objects;
};

/* From the live run: host, kernel, time now, the target, each probed object's
 * build-id (set may be NULL: add objects with run_meta_add_object). */
struct run_meta *run_meta_collect(const struct target *t, const struct probe_set *set, int argc,
				  char **argv);
void run_meta_free(struct run_meta *m);
/* Record an object (once) with its build-id; 0 or -1 when out of memory. */
int run_meta_add_object(struct run_meta *m, const char *path);

struct json_t;
struct json_t *run_meta_json(const struct run_meta *m);
/* NULL when a field has the wrong type; absent fields stay empty. */
struct run_meta *run_meta_from_json(struct json_t *o);

#endif
