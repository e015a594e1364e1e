/* SPDX-License-Identifier: GPL-2.0 */
/* From PROBE globs to the list of function sites to attach to. */
#ifndef SONDE_PROBES_H
#define SONDE_PROBES_H

#include <stddef.h>
#include <linux/types.h>
#include "glob.h"
#include "site_choice.h"
#include "target.h"

struct probe_site {
	char *object;	   /* path used to attach (and shown, shortened) */
	char *name;	   /* the name shown: the demangled one for C++ */
	__u64 offset;	   /* file offset of the probed instruction */
	__u64 func_offset; /* file offset of the function's first instruction */
	__u64 vaddr;
	__u64 size;
	struct site_choice choice; /* why the probe is where it is */
};

struct probe_set {
	struct probe_site *sites; /* grouped by object; index = function id */
	size_t nr;
};

/*
 * Resolve every spec against its object. Aliases (several names at one
 * address) are kept once; IFUNC resolvers and zero-size symbols are skipped
 * (IFUNCs with a message naming the implementations). A spec that matches
 * nothing, or more than max_probes matches, is an error with advice.
 */
int probes_resolve(const struct target *t, const struct probe_spec *specs, size_t nr_specs,
		   size_t max_probes, struct probe_set *set);
void probe_set_free(struct probe_set *set);

/* Move entry probes past single-stepped instructions when safe (the default). */
void probes_site_choice(bool on);
/* Whether the entry probes read argument registers (default: yes; lat reads none). */
void probes_read_args(bool reads);

/* A path as a person knows it: "/proc/123/root/usr/lib/x.so" -> "/usr/lib/x.so". */
const char *object_shown_path(const char *path);

#endif
