// SPDX-License-Identifier: GPL-2.0
#include "diff/diff_kind.h"
#include "diff/diff_lat.h"
#include "diff/diff_mem.h"
#include "diff/diff_term.h"

static const struct diff_kind_ops kinds[] = {
    [PROFILE_LAT] = {.diff = diff_lat_compute, .term = report_lat_diff_term},
    [PROFILE_MEM] = {.diff = diff_mem_compute, .term = report_mem_diff_term},
};

const struct diff_kind_ops *diff_kind_of(enum profile_kind kind)
{
	return &kinds[kind];
}
