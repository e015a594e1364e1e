// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include "out/term.h"

int term_width(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

void term_cell(FILE *f, int col, enum term_align align, int width, const char *s)
{
	int pad = width - term_width(s);

	pad = pad > 0 ? pad : 0;
	if (col)
		fputs("  ", f);
	if (align == TERM_RIGHT)
		fprintf(f, "%*s%s", pad, "", s);
	else
		fprintf(f, "%s%*s", s, pad, "");
}

char **term_row_names(size_t n, void (*row)(const void *ctx, size_t i, struct name_row *r),
		      const void *ctx)
{
	struct name_row *rows = calloc(n ? n : 1, sizeof(*rows));
	char **names = NULL;
	size_t i;

	if (!rows)
		return NULL;
	for (i = 0; i < n; i++)
		row(ctx, i, &rows[i]);
	if (short_names(rows, n, SHORT_NAME_WIDTH, &names))
		names = NULL;
	free(rows);
	return names;
}
