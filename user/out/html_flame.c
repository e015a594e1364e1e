// SPDX-License-Identifier: GPL-2.0
/*
 * The flame-graph section of a profile's HTML page: one hook, so that the
 * page does not depend on where the stacks come from. For now no profile
 * carries the call paths a flame graph draws (lat --tree is to come), so it
 * says so; flamegraph_write_svg() (user/out/flamegraph.h, with id_prefix)
 * fills it in.
 */
#include <errno.h>
#include "out/html.h"

int html_write_flame(FILE *f, const struct sonde_profile *p)
{
	(void)p;
	fputs("<section id=\"flame\">\n<h2>Flame graph</h2>\n"
	      "<p class=\"note\">no flame graph in this profile</p>\n</section>\n",
	      f);
	return ferror(f) ? -EIO : 0;
}
