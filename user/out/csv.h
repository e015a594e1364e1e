/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CSV (RFC 4180) made from a report's own JSON object, so that its fields and
 * units are the JSON's by construction: one row per element of the report's
 * array (functions, stacks, diff rows), its scalar members as columns, after a
 * few members of the report itself that say which report a row belongs to.
 */
#ifndef SONDE_CSV_H
#define SONDE_CSV_H

#include <stdbool.h>
#include <stdio.h>

struct json_t;

struct csv_shape {
	const char *rows;		 /* the report's member holding the rows */
	const char *const *context;	 /* the report's members put before each row, NULL-ended */
};

/*
 * The rows of root (freed here) on f: a header line first unless *header_done
 * (then set; one a run, before its first rows); string arrays (a stack's frames) joined by ';',
 * other arrays and objects (histograms, series) left out. 0, -ENOMEM (root
 * NULL, or rows not an array) or -EIO.
 */
int csv_write(FILE *f, struct json_t *root, const struct csv_shape *shape, bool *header_done);

#endif
