// SPDX-License-Identifier: GPL-2.0
/*
 * An IFUNC is traced where it resolves to in the target: as a function named
 * "memcpy (→ __memcpy_avx_unaligned_erms)" at the implementation, whose
 * bytes the probe-site choice then reads like any function's.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "probe/ifunc_site.h"
#include "core/util.h"

/* glibc names an IFUNC's implementations "__memcpy_avx_unaligned_erms" and the like. */
static bool is_ifunc_impl(const char *name, const char *ifunc)
{
	size_t n = strlen(ifunc);

	while (*name == '_')
		name++;
	return !strncmp(name, ifunc, n) && name[n] == '_';
}

void ifunc_list_impls(const struct syms *syms, const struct sym *ifunc, char *buf, size_t len)
{
	size_t i, n = 0, used = 0;

	snprintf(buf, len, "; its implementations are local symbols, not in this object's tables");
	for (i = 0; i < syms__count(syms) && n < 4; i++) {
		const struct sym *s = syms__get(syms, i);

		/* The resolver is at the IFUNC's own address: not an implementation. */
		if (s->ifunc || !s->size || s->vaddr == ifunc->vaddr ||
		    !is_ifunc_impl(s->name, ifunc->name))
			continue;
		used += snprintf(buf + used, len - used, "%s%s",
				 n ? ", " : "; probe one of: ", s->name);
		if (used >= len)
			break;
		n++;
	}
}

/* The file offset of vaddr, from the mapped file's program headers; -ENOENT outside code. */
static int code_offset(const struct ifunc_object *obj, __u64 vaddr, __u64 *off)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)obj->code;
	const Elf64_Phdr *ph;
	size_t i;

	if (!obj->code || obj->code_len < sizeof(*eh) ||
	    eh->e_phoff + (__u64)eh->e_phnum * sizeof(*ph) > obj->code_len)
		return -ENOENT;
	ph = (const Elf64_Phdr *)(obj->code + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_X) || vaddr < ph[i].p_vaddr ||
		    vaddr >= ph[i].p_vaddr + ph[i].p_filesz)
			continue;
		*off = vaddr - ph[i].p_vaddr + ph[i].p_offset;
		return *off < obj->code_len ? 0 : -ENOENT;
	}
	return -ENOENT;
}

struct impl_check {
	const struct ifunc_object *obj;
	const struct sym *ifunc;
};

/* An implementation is code of the object, and not another version of the same name. */
static bool impl_usable(void *ctx, __u64 vaddr)
{
	const struct impl_check *c = ctx;
	size_t i, n = syms__count(c->obj->syms);
	__u64 off;

	if (code_offset(c->obj, vaddr, &off))
		return false;
	for (i = 0; i < n; i++) {
		const struct sym *s = syms__get(c->obj->syms, i);

		if (s->vaddr == vaddr &&
		    (s->ifunc || (s->compat && !strcmp(s->name, c->ifunc->name))))
			return false;
	}
	return true;
}

static int resolve_ifunc(const struct ifunc_object *obj, const struct sym *ifunc,
			 struct ifunc_impl *impl, char *why, size_t len)
{
	struct impl_check c = {.obj = obj, .ifunc = ifunc};
	int err;

	if (!*obj->cache) {
		*obj->cache = ifuncs__load(obj->path, obj->pid, &err);
		if (!*obj->cache)
			return err;
	}
	return ifuncs__resolve(*obj->cache, ifunc->name, ifunc->vaddr, impl_usable, &c, impl, why,
			       len);
}

/* The name the implementation at vaddr goes by: "__memcpy_avx_unaligned_erms" before its aliases.
 */
static const struct sym *impl_symbol(const struct syms *syms, const struct sym *ifunc, __u64 vaddr)
{
	const struct sym *best = NULL;
	size_t i;

	for (i = 0; i < syms__count(syms); i++) {
		const struct sym *s = syms__get(syms, i);

		if (s->vaddr != vaddr || s->ifunc || !s->size)
			continue;
		if (!best || (is_ifunc_impl(s->name, ifunc->name) &&
			      !is_ifunc_impl(best->name, ifunc->name)))
			best = s;
	}
	return best;
}

/*
 * Other IFUNCs that run the same code in this process (memmove beside
 * memcpy): a probe there counts their calls too, in one row. Said once per
 * implementation, however many of them the probes name.
 */
static void note_shared_impl(const struct ifunc_object *obj, const struct sym *ifunc,
			     const struct ifunc_impl *impl, const char *impl_name)
{
	char names[256] = "", why[256];
	size_t i, used = 0, n = 0, nr = syms__count(obj->syms);
	struct ifunc_impl other;

	for (i = 0; i < nr && used < sizeof(names); i++) {
		const struct sym *s = syms__get(obj->syms, i), *name = s;

		if (!s->ifunc || s->compat || s->vaddr == ifunc->vaddr)
			continue;
		/* Aliases are neighbours (sorted by address): one resolver, its best name. */
		for (; i + 1 < nr && syms__get(obj->syms, i + 1)->vaddr == s->vaddr; i++)
			if (obj->better_name(syms__get(obj->syms, i + 1), name))
				name = syms__get(obj->syms, i + 1);
		if (resolve_ifunc(obj, name, &other, why, sizeof(why)) ||
		    other.vaddr != impl->vaddr)
			continue;
		used += (size_t)snprintf(names + used, sizeof(names) - used, ", %s", name->name);
		n++;
	}
	if (n && ifuncs__first_note(*obj->cache, impl->vaddr))
		sonde_say("note: %s%s resolve to the same code (%s) in this process: calls through "
			  "any of them are counted in one row",
			  ifunc->name, names, impl_name);
}

int ifunc_site_sym(const struct ifunc_object *obj, const struct sym *ifunc, struct sym *out,
		   char *why, size_t len)
{
	const struct sym *impl_sym;
	struct ifunc_impl impl;
	const char *base = strrchr(obj->path, '/');
	char name[512], impl_name[256];
	int n;
	int err = resolve_ifunc(obj, ifunc, &impl, why, len);

	if (err)
		return err;
	impl_sym = impl_symbol(obj->syms, ifunc, impl.vaddr);
	memset(out, 0, sizeof(*out));
	out->vaddr = impl.vaddr;
	out->bind = STB_GLOBAL;
	if (impl_sym) {
		out->offset = impl_sym->offset;
		out->size = impl_sym->size;
		snprintf(impl_name, sizeof(impl_name), "%s", impl_sym->name);
	} else {
		/* No symbol names it (no debug symbols): its extent is unknown. */
		if (code_offset(obj, impl.vaddr, &out->offset))
			return -ENOENT;
		n = snprintf(impl_name, sizeof(impl_name), "%s+0x%llx", base ? base + 1 : obj->path,
			     (unsigned long long)impl.vaddr);
		if (n >= (int)sizeof(impl_name))
			return -ENOENT;
	}
	snprintf(name, sizeof(name), "%s (→ %s)", ifunc->name, impl_name);
	out->name = strdup(name);
	if (!out->name)
		return -ENOMEM;
	sonde_info("'%s' in %s is an IFUNC: probing the implementation it resolves to, %s at "
		   "0x%llx (from %s)",
		   ifunc->name, obj->shown, impl_name, (unsigned long long)impl.vaddr, impl.how);
	note_shared_impl(obj, ifunc, &impl, impl_name);
	return 0;
}
