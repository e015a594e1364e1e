/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A memory profile as JSON. The report: what sonde mem --json prints, the
 * top stacks (DESIGN.md contract: "type":"mem"), which a profile file holds
 * under "report" as a lat file holds lat's. The whole model, for profile
 * files: every stack with its frames and its series of live bytes, the time
 * axis, counters and drops; sonde report and sonde diff read it back.
 */
#ifndef SONDE_MEM_JSON_H
#define SONDE_MEM_JSON_H

#include <stdio.h>
#include "mem/mem_profile.h"
#include "out/format.h"
#include "out/mem_term.h"

struct json_t;
/* The report's object, of the `top` stacks that grew most; the caller owns it. */
struct json_t *mem_report_to_json(const struct mem_profile *p, size_t top);
/* That object on one line. */
int mem_report_json(FILE *f, const struct mem_profile *p, const struct mem_report_opts *o);

struct json_t *mem_profile_to_json(const struct mem_profile *p);
/* NULL when anything is missing or of the wrong type. */
struct mem_profile *mem_profile_from_json(struct json_t *o);

#endif
