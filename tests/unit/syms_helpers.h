/* SPDX-License-Identifier: GPL-2.0 */
/* Loading an object's symbols and finding one by name, for the ELF unit tests. */
#ifndef SONDE_TEST_SYMS_HELPERS_H
#define SONDE_TEST_SYMS_HELPERS_H

#include <string.h>
#include "probe/elf_syms.h"

static struct syms *load_ok(const char *path)
{
	int err = 12345;
	struct syms *s = syms__load(path, &err);

	if (!s)
		fail_msg("syms__load(%s) failed: %d", path, err);
	assert_int_equal(err, 0);
	return s;
}

static const struct sym *find(const struct syms *s, const char *name)
{
	size_t i;

	for (i = 0; i < syms__count(s); i++)
		if (!strcmp(syms__get(s, i)->name, name))
			return syms__get(s, i);
	return NULL;
}

#endif
