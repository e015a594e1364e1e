/* SPDX-License-Identifier: GPL-2.0 */
/* What the resolver's parts share: probes.c matches the specs against each object's
 * symbols, probe_site.c makes a matched function a probe site. */
#ifndef SONDE_PROBES_PRIV_H
#define SONDE_PROBES_PRIV_H

#include <stddef.h>
#include "probe/elf_syms.h"
#include "probe/ifunc.h"
#include "probe/probes.h"

/* Each object's symbols are read once however many specs name it. */
struct object_syms {
	char path[4096];
	struct syms *syms;
	const unsigned char *code; /* the file, mapped: where site choice reads instructions */
	size_t code_len;
	struct ifuncs *ifuncs; /* how its IFUNCs resolve in the target, read at the first one */
};

struct resolver {
	const struct target *t;
	const struct resolve_opts *o;
	unsigned int exe_runtime; /* the main executable's (syms__runtime) */
	struct object_syms *objs;
	size_t nr_objs;
	struct probe_set *set;
	size_t cap;
};

/*
 * Add sym of obj to r->set as a site: its entry probe placed (site_choice.h), its
 * returns seen as r->o and the object's runtime say, its exits found when they are
 * probed. An alias of a site already there is not added again; a function that
 * cannot be probed goes to set->skipped with the reason. 0 or -ENOMEM.
 */
int probes_add_site(struct resolver *r, const struct object_syms *obj, const struct sym *sym);

#endif
