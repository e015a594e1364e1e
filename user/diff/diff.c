// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include "diff/diff.h"
#include "diff/diff_kind.h"

int diff_compute(struct sonde_profile *const *bases, size_t nr_bases,
		 const struct sonde_profile *newp, const struct diff_opts *o,
		 struct diff_report **out)
{
	struct diff_report *r = calloc(1, sizeof(*r));
	size_t b;
	int err;

	if (!r)
		return -ENOMEM;
	r->kind = newp->kind;
	r->metric = o->metric;
	err = diff_kind_of(newp->kind)->diff(bases, nr_bases, newp, o, r);
	if (err) {
		diff_report_free(r);
		return err;
	}
	for (b = 0; b < nr_bases; b++)
		diff_note_build_ids(r, bases[b]->meta, newp->meta);
	*out = r;
	return 0;
}
