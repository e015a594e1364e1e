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
	bool refused_at_attach;	   /* the kernel refused it anyway: not probed (attach.c) */
};

/* A function a PROBE matched that is not probed, and why (shown by -v, list, lat). */
struct probe_skip {
	char *object;
	char *name;
	const char *why;  /* "the kernel refuses uprobes on its first instruction (a LOCK prefix)" */
	char insn[112];	  /* the instruction in question, and the kernel's objection */
};

struct probe_set {
	struct probe_site *sites; /* grouped by object; index = function id */
	size_t nr;
	struct probe_skip *skipped;
	size_t nr_skipped;
};

/*
 * Resolve every spec against its object. Aliases (several names at one
 * address) are kept once; IFUNC resolvers and zero-size symbols are skipped
 * (IFUNCs with a message naming the implementations). Functions that cannot
 * be probed safely go to set->skipped with the reason: gcc's cold parts
 * (`work.cold`, jumped into, not called: a return probe there corrupts the
 * program) and functions whose only possible probe site the kernel refuses
 * (uprobe_insn.h). A spec that matches nothing, only such functions, or more
 * than max_probes functions, is an error with advice. Objects that are not
 * x86-64 code (32-bit programs) are refused.
 */
int probes_resolve(const struct target *t, const struct probe_spec *specs, size_t nr_specs,
		   size_t max_probes, struct probe_set *set);
void probe_set_free(struct probe_set *set);

/* Functions the kernel refused when the probes were attached (attach.c): skipped too. */
int probe_set_skip(struct probe_set *set, size_t i, const char *why);
/* Sites that are probed: not marked refused by probe_set_skip(). */
size_t probe_set_nr_probed(const struct probe_set *set);
/* One note on stderr naming what was skipped (every one with -v). */
void probe_set_note_skipped(const struct probe_set *set);

/* Move entry probes past single-stepped instructions when safe (the default). */
void probes_site_choice(bool on);
/* Whether the entry probes read argument registers (default: yes; lat reads none). */
void probes_read_args(bool reads);

/* A path as a person knows it: "/proc/123/root/usr/lib/x.so" -> "/usr/lib/x.so". */
const char *object_shown_path(const char *path);

#endif
