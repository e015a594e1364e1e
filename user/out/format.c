// SPDX-License-Identifier: GPL-2.0
/* What every output format shares. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>
#include "out/format.h"

bool report_want_color(FILE *f)
{
	const char *no_color = getenv("NO_COLOR");

	if (no_color && *no_color)
		return false;
	return isatty(fileno(f));
}

int format_json_line(FILE *f, json_t *root)
{
	int err = 0;

	if (!root)
		return -ENOMEM;
	if (json_dumpf(root, f, JSON_COMPACT | JSON_PRESERVE_ORDER))
		err = -EIO;
	fputc('\n', f);
	fflush(f);
	json_decref(root);
	return err;
}
