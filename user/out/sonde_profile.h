/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One recorded profile in memory, of one kind (user/out/profile_kind.h says what
 * each kind reads, prints and compares); files hold them (user/out/profile_file.h).
 */
#ifndef SONDE_SONDE_PROFILE_H
#define SONDE_SONDE_PROFILE_H

#include <stddef.h>
#include "mem/mem_profile.h"
#include "lat/lat_profile.h"
#include "out/run_meta.h"

enum profile_kind {
	PROFILE_LAT,
	PROFILE_MEM,
	PROFILE__KINDS
};

struct sonde_profile {
	enum profile_kind kind;
	struct run_meta *meta;
	struct lat_profile *lat; /* PROFILE_LAT */
	struct mem_profile *mem; /* PROFILE_MEM */
	size_t mem_top;		 /* PROFILE_MEM: stacks the live report showed (--top) */
};

#endif
