// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include "out/lat_offcpu_folded.h"
#include "out/lat_tree_folded.h"
#include "out/mem_folded.h"
#include "out/profile_stacks.h"

static bool has_tree(const struct sonde_profile *p)
{
	return p->kind == PROFILE_LAT && p->lat->tree;
}

static int add_tree(struct folded *f, const struct sonde_profile *p)
{
	return lat_tree_folded(p->lat, f);
}

static bool has_offcpu(const struct sonde_profile *p)
{
	return p->kind == PROFILE_LAT && p->lat->nr_offcpu_stacks;
}

static int add_offcpu(struct folded *f, const struct sonde_profile *p)
{
	return lat_offcpu_folded_add(f, p->lat);
}

static bool has_live(const struct sonde_profile *p)
{
	return p->kind == PROFILE_MEM;
}

static int add_live(struct folded *f, const struct sonde_profile *p)
{
	return mem_folded_add(f, p->mem, MEM_FOLDED_LIVE);
}

static const struct stacks_source {
	const char *what, *unit;
	bool (*has)(const struct sonde_profile *p);
	int (*add)(struct folded *f, const struct sonde_profile *p);
} sources[] = {
    {"Self time by call path (--tree)", "ns", has_tree, add_tree},
    {"Time off the CPU by stack (--offcpu-stacks)", "ns", has_offcpu, add_offcpu},
    {"Live bytes by allocating stack", "bytes", has_live, add_live},
};

int profile_stacks(const struct sonde_profile *p, unsigned int nth, struct folded *f,
		   const char **what)
{
	size_t i;

	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		if (!sources[i].has(p) || nth-- > 0)
			continue;
		folded_init(f, sources[i].unit);
		*what = sources[i].what;
		return sources[i].add(f, p);
	}
	folded_init(f, "");
	return -ENODATA;
}
