// SPDX-License-Identifier: GPL-2.0
/*
 * The flame-graph section of a profile's HTML page: one hook, so that the
 * page does not depend on where the stacks come from. A memory profile draws
 * its live bytes by stack, a latency profile recorded with --tree its self
 * time by call path; a profile without either says so.
 */
#include <errno.h>
#include "out/flamegraph.h"
#include "out/html.h"
#include "out/lat_tree_folded.h"
#include "out/mem_folded.h"

/* The profile's stacks as folded ones: 0, -ENODATA (none in this kind), -ENOMEM. */
static int profile_stacks(const struct sonde_profile *p, struct folded *f, const char **what)
{
	if (p->kind == PROFILE_MEM) {
		f->unit = "bytes";
		*what = "live bytes by allocating stack at the end of the run";
		return mem_folded_add(f, p->mem, MEM_FOLDED_LIVE);
	}
	if (p->kind == PROFILE_LAT && p->lat->tree) {
		f->unit = "ns";
		*what = "self time by call path (--tree)";
		return lat_tree_folded(p->lat, f);
	}
	return -ENODATA;
}

int html_write_flame(FILE *f, const struct sonde_profile *p)
{
	struct flamegraph_opts o = {.id_prefix = "flame", .width = 1160};
	const char *what = NULL;
	struct folded stacks;
	int err;

	folded_init(&stacks, "");
	err = profile_stacks(p, &stacks, &what);

	fputs("<section id=\"flame\">\n<h2>Flame graph</h2>\n", f);
	if (err == -ENODATA || (!err && !stacks.nr)) {
		fputs("<p class=\"note\">no stacks in this profile to draw (sonde lat --tree records "
		      "call paths)</p>\n", f);
		err = 0;
	} else if (!err) {
		fprintf(f, "<p class=\"note\">%s: click a frame to zoom, search with /</p>\n", what);
		o.title = what;
		err = flamegraph_write_svg(f, &stacks, &o);
	}
	fputs("</section>\n", f);
	folded_free(&stacks);
	return err ? err : ferror(f) ? -EIO : 0;
}
