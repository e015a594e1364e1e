/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The whole memory model as JSON, for profile files: every stack with its
 * frames and its series of live bytes, the time axis, counters and drops.
 * (The --json report prints only the top stacks; files keep everything.)
 */
#ifndef SONDE_MEM_JSON_H
#define SONDE_MEM_JSON_H

#include "mem/mem_profile.h"

struct json_t;
struct json_t *mem_profile_to_json(const struct mem_profile *p);
/* NULL when anything is missing or of the wrong type. */
struct mem_profile *mem_profile_from_json(struct json_t *o);

#endif
