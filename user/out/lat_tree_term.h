/* SPDX-License-Identifier: GPL-2.0 */
/* sonde lat --tree in a terminal: the call paths as an indented ASCII flame chart. */
#ifndef SONDE_LAT_TREE_TERM_H
#define SONDE_LAT_TREE_TERM_H

#include <stdio.h>
#include "lat/lat_profile.h"
#include "out/format.h"

/* A name as the report's table shows it: "libx.so:name" outside the main object. */
void lat_tree_node_label(char *buf, size_t len, const struct lat_profile *p,
			 const struct lat_tree_node *n);

/* p's tree (nothing without one), after its table: 0, -ENOMEM or -EIO. */
int report_lat_tree_term(FILE *f, const struct lat_profile *p, const struct report_opts *o);

#endif
