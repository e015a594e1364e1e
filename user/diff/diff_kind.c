// SPDX-License-Identifier: GPL-2.0
#include "diff/diff_kind.h"
#include "diff/diff_lat.h"
#include "diff/diff_mem.h"

static const struct diff_kind_ops kinds[] = {
    [PROFILE_LAT] = {.diff = diff_lat_compute},
    [PROFILE_MEM] = {.diff = diff_mem_compute},
};

const struct diff_kind_ops *diff_kind_of(enum profile_kind kind)
{
	return &kinds[kind];
}
