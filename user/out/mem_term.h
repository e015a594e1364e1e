/* SPDX-License-Identifier: GPL-2.0 */
/* Renderers of a memory profile (sonde mem) on the terminal; user/out/mem_json.h as JSON. */
#ifndef SONDE_MEM_TERM_H
#define SONDE_MEM_TERM_H

#include <stdbool.h>
#include <stdio.h>
#include "mem/mem_profile.h"

struct mem_report_opts {
	bool color; /* a terminal, and NO_COLOR unset */
	size_t top; /* stacks shown, ranked by growth */
};

void mem_report_term(FILE *f, const struct mem_profile *p, const struct mem_report_opts *o);

/* Names of the counters and drops, as the JSON and the terminal show them. */
const char *mem_count_name(enum sonde_mem_count c);
const char *mem_drop_name(enum sonde_mem_drop d);

#endif
