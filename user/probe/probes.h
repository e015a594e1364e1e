/* SPDX-License-Identifier: GPL-2.0 */
/* From PROBE globs to the list of function sites to attach to. */
#ifndef SONDE_PROBES_H
#define SONDE_PROBES_H

#include <stddef.h>
#include <linux/types.h>
#include "probe/glob.h"
#include "probe/exit_sites.h"
#include "probe/site_choice.h"
#include "core/target.h"

/*
 * How a call's return is seen. A return probe (uretprobe) rewrites the return
 * address on the stack: cheap, but it breaks code that reads return
 * addresses. Probes on the function's return instructions leave the stack
 * alone; a ret is single-stepped (~12 us here).
 */
enum probe_return {
	PROBE_RET_URETPROBE,
	PROBE_RET_INSNS,
};

/* --returns: chosen per function from its runtime (auto), or forced. */
enum return_mode {
	RETURN_MODE_AUTO,
	RETURN_MODE_URETPROBE,
	RETURN_MODE_INSNS,
};

struct resolve_opts {
	size_t max_probes;	  /* more matches than this is an error */
	bool site_choice;	  /* move entry probes past single-stepped instructions */
	bool reads_args;	  /* the entry probes read argument registers (mem: yes) */
	enum return_mode returns; /* lat: auto; mem and the calibration: uretprobe */
};

struct probe_site {
	char *object;	   /* path used to attach (and shown, shortened) */
	char *name;	   /* the name shown: the demangled one for C++ and Rust */
	char *mangled;	   /* the symbol's own name when it differs from name, else NULL */
	__u64 offset;	   /* file offset of the probed instruction */
	__u64 func_offset; /* file offset of the function's first instruction */
	__u64 vaddr;
	__u64 size;
	struct site_choice choice; /* why the probe is where it is */
	bool refused_at_attach;	   /* the kernel refused it anyway: not probed (attach.c) */
	enum probe_return ret;
	const char *ret_why; /* why that method ("Go", "C++ exceptions", "--returns") */
	bool go;	     /* Go: calls paired per goroutine (r14), not per thread */
	struct exit_sites exits; /* PROBE_RET_INSNS: where the function returns */
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
 * address) are kept once; zero-size symbols, and old versions beside the
 * default one (memcpy@GLIBC_2.2.5), are skipped; an IFUNC is probed at the
 * implementation it resolves to in the target (ifunc_site.h), or skipped with
 * the reason when that is not known. Functions that cannot
 * be probed safely go to set->skipped with the reason: gcc's cold parts
 * (`work.cold`, jumped into, not called: a return probe there corrupts the
 * program) and functions whose only possible probe site the kernel refuses
 * (uprobe_insn.h). A spec that matches nothing, only such functions, or more
 * than max_probes functions, is an error with advice. Objects that are not
 * x86-64 code (32-bit programs) are refused.
 */
int probes_resolve(const struct target *t, const struct probe_spec *specs, size_t nr_specs,
		   const struct resolve_opts *opts, struct probe_set *set);
void probe_set_free(struct probe_set *set);

/*
 * The names tables show for the set's functions, then for its skipped ones
 * (short_names.h): out[i] for sites[i], out[nr + k] for skipped[k]. Free
 * with probe_set_short_names_free().
 */
int probe_set_short_names(const struct probe_set *set, char ***out);
void probe_set_short_names_free(const struct probe_set *set, char **names);

/* Record a function not probed, and why (-v says so at once); insn may be NULL. */
int probe_set_add_skip(struct probe_set *set, const char *object, const char *name,
		       const char *why, const char *insn);
/* Functions the kernel refused when the probes were attached (attach.c): skipped too. */
int probe_set_skip(struct probe_set *set, size_t i, const char *why);
/* Sites that are probed: not marked refused by probe_set_skip(). */
size_t probe_set_nr_probed(const struct probe_set *set);
/* One note on stderr naming what was skipped (every one with -v). */
void probe_set_note_skipped(const struct probe_set *set);

/* "uretprobe", or "N ret insns (M single-stepped)": how a site's returns are seen. */
const char *probe_return_text(const struct probe_site *site, char *buf, size_t len);
/* --returns VALUE: auto, uretprobe or insns; -EINVAL otherwise. */
int parse_return_mode(const char *s, enum return_mode *mode);

/* A path as a person knows it: "/proc/123/root/usr/lib/x.so" -> "/usr/lib/x.so". */
const char *object_shown_path(const char *path);

#endif
