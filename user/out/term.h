/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the terminal tables share (lat, mem, diff): colours, a cell padded to
 * its column by the columns it takes on screen, and the names rows show.
 * Tables size their columns first, then print (retsnoop print_stack_items).
 */
#ifndef SONDE_TERM_H
#define SONDE_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "probe/short_names.h"

#define TERM_BOLD     "\033[1m"
#define TERM_DIM      "\033[2m"
#define TERM_RED      "\033[31m"
#define TERM_BOLD_RED "\033[1;31m"
#define TERM_GREEN    "\033[32m"
#define TERM_YELLOW   "\033[33m"
#define TERM_RESET    "\033[0m"

/* code when colour is on, "" when not. */
static inline const char *term_color(bool on, const char *code)
{
	return on ? code : "";
}

/* Columns s takes on the terminal: UTF-8 continuation bytes take none. */
int term_width(const char *s);

enum term_align { TERM_LEFT, TERM_RIGHT };

/* Column `col` of a row: two spaces before all but the first, s padded to `width` columns. */
void term_cell(FILE *f, int col, enum term_align align, int width, const char *s);

/*
 * The names a table's n rows show, out[i] for row i, which row(ctx, i, &r)
 * describes: short_names() of them (free with short_names_free()), or NULL.
 */
char **term_row_names(size_t n, void (*row)(const void *ctx, size_t i, struct name_row *r),
		      const void *ctx);

#endif
