/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An IFUNC as a function to probe: its implementation in the target
 * (ifunc.h), named "memcpy (→ __memcpy_avx_unaligned_erms)".
 */
#ifndef SONDE_IFUNC_SITE_H
#define SONDE_IFUNC_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "probe/elf_syms.h"
#include "probe/ifunc.h"

/* The object the IFUNC is in, as probe resolution has it. */
struct ifunc_object {
	const char *path;  /* as opened */
	const char *shown; /* as messages name it */
	const struct syms *syms;
	const unsigned char *code; /* the file, mapped */
	size_t code_len;
	pid_t pid; /* the running target whose GOT says, or 0 */
	/* Among aliases, is a the name to show rather than b? */
	bool (*better_name)(const struct sym *a, const struct sym *b);
	struct ifuncs **cache; /* the object's resolutions, loaded at the first IFUNC */
};

/*
 * The implementation the IFUNC resolves to in the target, as a symbol to
 * probe: address, file offset, size (0 when no symbol names it) and a name
 * that says both, allocated in out->name. Other IFUNCs that resolve to the
 * same code (memmove beside memcpy) are named in a note, since their calls
 * are counted too. 0; -ENOENT with the reason in why; -ENOMEM.
 */
int ifunc_site_sym(const struct ifunc_object *o, const struct sym *ifunc, struct sym *out,
		   char *why, size_t len);

/* "; probe one of: __memcpy_erms, ..." (the IFUNC's implementations by glibc's
 * naming), for messages about an IFUNC not probed. */
void ifunc_list_impls(const struct syms *syms, const struct sym *ifunc, char *buf, size_t len);

#endif
