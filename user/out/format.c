// SPDX-License-Identifier: GPL-2.0
/* What every output format shares. */
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
