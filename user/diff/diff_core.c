// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diff/diff_core.h"

static const char *const metric_names[DIFF__METRICS] = {"p50", "p90", "p99", "mean"};

const char *diff_metric_name(enum diff_metric m)
{
	return m < DIFF__METRICS ? metric_names[m] : "?";
}

int diff_metric_parse(const char *s, enum diff_metric *m)
{
	int i;

	for (i = 0; i < DIFF__METRICS; i++) {
		if (!strcmp(s, metric_names[i])) {
			*m = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *diff_verdict_name(enum diff_verdict v)
{
	static const char *const names[] = {"regression", "improvement", "inconclusive",
					    "unchanged",  "new",	 "gone"};

	return names[v];
}

const char *diff_basis_name(enum diff_basis b)
{
	static const char *const names[] = {"runs", "slices", "nothing"};

	return names[b];
}

const char *diff_severity_name(enum diff_severity s)
{
	static const char *const names[] = {"critical", "warning", "info", "none"};

	return names[s];
}

/* Regressions first (critical, then warning), then improvements, unchanged, new,
 * gone; within a group the biggest change first. 0 when equal. */
int diff_row_order(enum diff_verdict va, enum diff_severity sa, double ca, enum diff_verdict vb,
		   enum diff_severity sb, double cb)
{
	if (va != vb)
		return va < vb ? -1 : 1;
	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (fabs(ca) != fabs(cb))
		return fabs(ca) > fabs(cb) ? -1 : 1;
	return 0;
}

static bool has_note(const struct diff_report *r, const char *line)
{
	size_t i;

	for (i = 0; i < r->nr_notes; i++)
		if (!strcmp(r->notes[i], line))
			return true;
	return false;
}

void diff_note_build_ids(struct diff_report *r, const struct run_meta *base,
			 const struct run_meta *now)
{
	size_t i, j;
	char line[1024];

	for (i = 0; i < now->nr_objects; i++) {
		const char *nb = now->objects[i].path, *slash = strrchr(nb, '/');

		for (j = 0; j < base->nr_objects; j++) {
			const char *bb = base->objects[j].path, *bs = strrchr(bb, '/');
			const char *bid = base->objects[j].build_id,
				   *nid = now->objects[i].build_id;

			if (strcmp(bs ? bs : bb, slash ? slash : nb) || !bid || !nid ||
			    !strcmp(bid, nid))
				continue;
			snprintf(line, sizeof(line), "%s: build-id %.12s (base) -> %.12s (new)",
				 slash ? slash + 1 : nb, bid, nid);
			if (has_note(r, line)) /* said once for all pairs of runs */
				continue;
			char **v = realloc(r->notes, (r->nr_notes + 1) * sizeof(*v));
			if (!v)
				return;
			r->notes = v;
			v[r->nr_notes] = strdup(line);
			if (v[r->nr_notes])
				r->nr_notes++;
		}
	}
}

void diff_report_free(struct diff_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nr_notes; i++)
		free(r->notes[i]);
	free(r->notes);
	for (i = 0; i < r->nr_rows; i++) {
		free(r->rows[i].base.runs);
		free(r->rows[i].new.runs);
	}
	free(r->rows);
	for (i = 0; i < r->nr_stacks; i++)
		free(r->stacks[i].name);
	free(r->stacks);
	free(r);
}
