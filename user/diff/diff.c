// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include "diff/diff.h"
#include "diff/diff_judge.h"
#include "diff/diff_kind.h"

static void count_verdict(struct diff_report *r, enum diff_verdict v, unsigned runs_needed)
{
	r->regressions += v == DIFF_REGRESSION;
	if (v != DIFF_INCONCLUSIVE)
		return;
	r->inconclusive++;
	if (runs_needed >= DIFF_MAX_RUNS_NEEDED)
		r->too_noisy++;
	else if (runs_needed > r->runs_needed)
		r->runs_needed = runs_needed;
}

int diff_compute(const struct diff_runs *runs, const struct diff_opts *o,
		 struct diff_report **out)
{
	struct diff_report *r = calloc(1, sizeof(*r));
	size_t b, n, i;
	int err;

	if (!r)
		return -ENOMEM;
	r->kind = runs->new[0]->kind;
	r->metric = o->metric;
	r->nr_base_runs = runs->nr_base;
	r->nr_new_runs = runs->nr_new;
	err = diff_kind_of(r->kind)->diff(runs, o, r);
	if (err) {
		diff_report_free(r);
		return err;
	}
	for (i = 0; i < r->nr_rows; i++)
		count_verdict(r, r->rows[i].verdict, r->rows[i].grounds.runs_needed);
	for (i = 0; i < r->nr_stacks; i++)
		count_verdict(r, r->stacks[i].verdict, r->stacks[i].grounds.runs_needed);
	for (b = 0; b < runs->nr_base; b++)
		for (n = 0; n < runs->nr_new; n++)
			diff_note_build_ids(r, runs->base[b]->meta, runs->new[n]->meta);
	*out = r;
	return 0;
}
