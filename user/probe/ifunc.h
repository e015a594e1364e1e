/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an IFUNC resolves to. An STT_GNU_IFUNC symbol (glibc's memcpy, strlen,
 * ...) is a resolver that the dynamic linker calls once, at load time, to
 * choose the implementation for this CPU; the process then calls that
 * implementation, never the symbol's own code. Probing the symbol would count
 * nothing.
 */
#ifndef SONDE_IFUNC_H
#define SONDE_IFUNC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

struct ifuncs;

struct ifunc_impl {
	__u64 vaddr;   /* the implementation's address in the object (st_value terms) */
	char how[160]; /* where that was read: "PID 123's GOT (libc.so.6)" */
};

/*
 * How the IFUNCs of the object at `path` resolve: in process pid (> 0: the
 * pointers its objects' GOT slots hold), else or then in sonde itself when
 * the object is the very file sonde has loaded (same device and inode). NULL
 * with *err = -errno only when memory runs out; an object neither process
 * maps just resolves nothing.
 */
struct ifuncs *ifuncs__load(const char *path, pid_t pid, int *err);
void ifuncs__free(struct ifuncs *f);

/*
 * The implementation that the IFUNC `name`, whose resolver is at
 * resolver_vaddr, resolves to: from the process's IRELATIVE relocations of
 * the object itself (addend = the resolver), then from any of its objects'
 * GOT slots bound to `name`, then, in sonde's own copy, from dlsym(). A
 * candidate the caller's usable() refuses (another version of the same name,
 * memcpy@GLIBC_2.2.5, bound by an old program) is passed over. 0, or
 * -ENOENT with the reason in why.
 */
int ifuncs__resolve(struct ifuncs *f, const char *name, __u64 resolver_vaddr,
		    bool (*usable)(void *ctx, __u64 vaddr), void *ctx, struct ifunc_impl *out,
		    char *why, size_t len);

/* True the first time it is asked about this implementation: a note about it is said once. */
bool ifuncs__first_note(struct ifuncs *f, __u64 impl_vaddr);

#endif
