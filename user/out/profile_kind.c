// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include "core/hist.h"
#include "out/lat_json.h"
#include "out/mem_json.h"
#include "out/profile_kind.h"
#include "core/util.h"

static int read_mem(const char *path, json_t *root, struct sonde_profile *sp)
{
	json_t *top = json_object_get(root, "top");

	sp->mem = mem_profile_from_json(json_object_get(root, "model"));
	if (!sp->mem)
		return sonde_fail(SONDE_EXIT_INPUT, "'%s' is corrupt: malformed memory model",
				  path);
	if (!sp->mem->nr_stacks)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "'%s' is an empty profile: no allocation was traced", path);
	sp->mem_top = json_is_integer(top) && json_integer_value(top) > 0
			  ? (size_t)json_integer_value(top)
			  : 10;
	return 0;
}

static int read_lat_kind(const char *path, json_t *root, struct sonde_profile *sp)
{
	return lat_profile_from_json(path, root, &sp->lat);
}

static void free_lat(struct sonde_profile *sp)
{
	lat_profile_free(sp->lat);
}

static void free_mem(struct sonde_profile *sp)
{
	mem_profile_free(sp->mem);
}

static const struct profile_kind_ops kinds[] = {
    [PROFILE_LAT] = {.kind = PROFILE_LAT,
		     .name = "lat",
		     .read = read_lat_kind,
		     .free = free_lat},
    [PROFILE_MEM] = {.kind = PROFILE_MEM,
		     .name = "mem",
		     .read = read_mem,
		     .free = free_mem},
};

const struct profile_kind_ops *profile_kind_of(enum profile_kind kind)
{
	return &kinds[kind];
}

const struct profile_kind_ops *profile_kind_named(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, name))
			return &kinds[i];
	return NULL;
}
