/* SPDX-License-Identifier: GPL-2.0 */
/* Function symbols of one ELF object (.symtab and .dynsym, or a stripped Go
 * program's .gopclntab), read with libelf. */
#ifndef SONDE_ELF_SYMS_H
#define SONDE_ELF_SYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct sym {
	const char *name;      /* version suffix ("@@GLIBC_2.2.5") removed */
	const char *demangled; /* C++ or Rust name (demangle.h), or NULL */
	__u64 vaddr;	       /* st_value */
	__u64 offset;	       /* file offset of the first instruction, for uprobes */
	__u64 size;
	unsigned char bind; /* STB_GLOBAL, STB_WEAK, STB_LOCAL */
	bool ifunc;	    /* STT_GNU_IFUNC: the resolver, not the function */
	bool dynamic;	    /* found in .dynsym (no .symtab entry) */
	bool compat;	    /* an old version ("memcpy@GLIBC_2.2.5"), not the default one */
};

struct syms;

/* Load the defined function symbols of `path`. NULL with *err = -errno on failure:
 * -ENOENT missing, -EACCES unreadable, -ENOEXEC not an ELF object. */
struct syms *syms__load(const char *path, int *err);
void syms__free(struct syms *syms);

size_t syms__count(const struct syms *syms);
const struct sym *syms__get(const struct syms *syms, size_t i);
/*
 * What the object's code is made of, as far as return probes care: a return
 * probe rewrites the return address on the stack, which breaks code that
 * reads return addresses (DESIGN.md).
 */
enum syms_runtime {
	SYMS_RT_GO = 1 << 0,	  /* Go (.gopclntab): goroutine stacks move and are copied */
	SYMS_RT_UNWINDS = 1 << 1, /* C++ exceptions (needs libstdc++/libc++, or __cxa_throw) */
	SYMS_RT_JIT = 1 << 2,	  /* a JIT runtime that walks its own stacks (V8, HotSpot) */
};
unsigned int syms__runtime(const struct syms *syms);

/* Where the functions were read from. */
enum syms_source {
	SYMS_SRC_DYNSYM,    /* stripped: only the exported functions, in .dynsym */
	SYMS_SRC_SYMTAB,    /* .symtab (and .dynsym) */
	SYMS_SRC_GOPCLNTAB, /* a stripped Go program: every function, from .gopclntab */
};
enum syms_source syms__source(const struct syms *syms);
/* True when every function is listed: a .symtab, or a stripped Go program's .gopclntab. */
bool syms__has_symtab(const struct syms *syms);
/* The separate debug file the .symtab was read from (debug_file.h), or NULL. */
const char *syms__debug_file(const struct syms *syms);
/* Why a stripped Go program's .gopclntab could not be read, or NULL. */
const char *syms__go_error(const struct syms *syms);
/* The function containing the byte at this file offset (an address in a mapping
 * minus the mapping's start plus its file offset), or NULL. */
const struct sym *syms__find_offset(const struct syms *syms, __u64 offset);
/* The function containing vaddr, or NULL. */
const struct sym *syms__find_addr(const struct syms *syms, __u64 vaddr);

/*
 * gcc's cold part of fn ("fn.cold", "fn.cold.N"; C++: the mangled name plus
 * ".cold"): a block of fn's code placed elsewhere, which fn jumps into and
 * which jumps back or returns for it. NULL when fn has none.
 */
const struct sym *syms__cold_part(const struct syms *syms, const struct sym *fn);
/* For a cold part's name ("work.cold", "_Z4workv.cold.2"): the length of its
 * function's name (4, 8); 0 for any other name. */
size_t syms_cold_parent_len(const char *name);

/* The GNU build-id of an ELF object as lowercase hex; -ENOENT when it has none. */
int elf_build_id(const char *path, char *hex, size_t len);

#endif
