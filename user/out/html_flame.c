// SPDX-License-Identifier: GPL-2.0
/*
 * The flame-graph section of a profile's HTML page: one graph for each set of
 * stacks the profile holds (out/profile_stacks.h: a --tree profile's call
 * paths, its off-CPU stacks, a memory profile's live bytes), or a note that
 * it holds none.
 */
#include <errno.h>
#include <stdio.h>
#include "out/flamegraph.h"
#include "out/html.h"
#include "out/profile_stacks.h"

int html_write_flame(FILE *f, const struct sonde_profile *p)
{
	struct flamegraph_opts o = {.width = 1160};
	unsigned int nth;
	int err = 0;

	fputs("<section id=\"flame\">\n<h2>Flame graph</h2>\n", f);
	for (nth = 0; !err; nth++) {
		struct folded stacks;
		char prefix[16];

		err = profile_stacks(p, nth, &stacks, &o.title);
		if (!err && stacks.nr) {
			/* Ids apart, so several graphs share one page. */
			snprintf(prefix, sizeof(prefix), "flame%u", nth);
			o.id_prefix = prefix;
			fprintf(f, "<p class=\"note\">%s: click a frame to zoom, search with /</p>\n",
				o.title);
			err = flamegraph_write_svg(f, &stacks, &o);
		}
		folded_free(&stacks);
	}
	if (err == -ENODATA && nth == 1)
		fputs("<p class=\"note\">no stacks in this profile to draw (sonde lat --tree records "
		      "call paths, --offcpu-stacks where calls were off the CPU)</p>\n",
		      f);
	fputs("</section>\n", f);
	if (err == -ENODATA)
		err = 0;
	return err ? err : ferror(f) ? -EIO : 0;
}
