// SPDX-License-Identifier: GPL-2.0
/* The probe set's bookkeeping: what is skipped and why, how returns are seen. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "probe/probes.h"
#include "probe/short_names.h"
#include "core/util.h"

int probe_set_add_skip(struct probe_set *set, const char *object, const char *name, const char *why,
		       const char *insn)
{
	struct probe_skip *v = realloc(set->skipped, (set->nr_skipped + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	set->skipped = v;
	v = &set->skipped[set->nr_skipped];
	memset(v, 0, sizeof(*v));
	v->object = strdup(object);
	v->name = strdup(name);
	v->why = why;
	snprintf(v->insn, sizeof(v->insn), "%s", insn ? insn : "");
	if (!v->object || !v->name) {
		free(v->object);
		free(v->name);
		return -ENOMEM;
	}
	set->nr_skipped++;
	sonde_info("not probing %s in %s: %s%s%s%s", name, object_shown_path(object), why,
		   v->insn[0] ? " (" : "", v->insn, v->insn[0] ? ")" : "");
	return 0;
}

void probe_set_free(struct probe_set *set)
{
	size_t i;

	for (i = 0; i < set->nr; i++) {
		free(set->sites[i].object);
		free(set->sites[i].name);
		free(set->sites[i].mangled);
	}
	free(set->sites);
	for (i = 0; i < set->nr_skipped; i++) {
		free(set->skipped[i].object);
		free(set->skipped[i].name);
	}
	free(set->skipped);
	memset(set, 0, sizeof(*set));
}

int probe_set_short_names(const struct probe_set *set, char ***out)
{
	size_t n = set->nr + set->nr_skipped, i;
	struct name_row *rows = calloc(n ? n : 1, sizeof(*rows));
	int err;

	if (!rows)
		return -ENOMEM;
	for (i = 0; i < set->nr; i++) {
		rows[i].object = set->sites[i].object;
		rows[i].name = set->sites[i].name;
		rows[i].mangled = set->sites[i].mangled;
	}
	for (i = 0; i < set->nr_skipped; i++) {
		rows[set->nr + i].object = set->skipped[i].object;
		rows[set->nr + i].name = set->skipped[i].name;
	}
	err = short_names(rows, n, SHORT_NAME_WIDTH, out);
	free(rows);
	return err;
}

void probe_set_short_names_free(const struct probe_set *set, char **names)
{
	short_names_free(names, set->nr + set->nr_skipped);
}

int probe_set_skip(struct probe_set *set, size_t i, const char *why)
{
	struct probe_site *site = &set->sites[i];

	site->refused_at_attach = true;
	return probe_set_add_skip(set, site->object, site->name, why, site->choice.chosen);
}

size_t probe_set_nr_probed(const struct probe_set *set)
{
	size_t i, n = 0;

	for (i = 0; i < set->nr; i++)
		n += !set->sites[i].refused_at_attach;
	return n;
}

/* Up to this many names in the note without -v. */
#define SKIPPED_NAMES_SHOWN 3

void probe_set_note_skipped(const struct probe_set *set)
{
	char buf[2048];
	size_t i, used;
	const struct probe_skip *k;

	if (!set->nr_skipped)
		return;
	used =
	    (size_t)snprintf(buf, sizeof(buf), "note: %zu function%s not probed:", set->nr_skipped,
			     set->nr_skipped == 1 ? "" : "s");
	for (i = 0; i < set->nr_skipped && i < SKIPPED_NAMES_SHOWN && used < sizeof(buf); i++) {
		k = &set->skipped[i];
		used +=
		    (size_t)snprintf(buf + used, sizeof(buf) - used, "%s %s (%s%s%s)", i ? ";" : "",
				     k->name, k->why, k->insn[0] ? ": " : "", k->insn);
	}
	if (i < set->nr_skipped && used < sizeof(buf))
		snprintf(buf + used, sizeof(buf) - used,
			 "; and %zu more (-v or sonde list names them)", set->nr_skipped - i);
	/* Names from the binary: escaped like every message. */
	sonde_say("%s", buf);
}

const char *probe_return_text(const struct probe_site *site, char *buf, size_t len)
{
	if (site->ret == PROBE_RET_URETPROBE)
		snprintf(buf, len, "uretprobe");
	else
		snprintf(buf, len, "%zu exit insn%s (%zu single-stepped; %s)", site->exits.nr,
			 site->exits.nr == 1 ? "" : "s", site->exits.stepped, site->ret_why);
	return buf;
}

int parse_return_mode(const char *s, enum return_mode *mode)
{
	static const char *const names[] = {
	    [RETURN_MODE_AUTO] = "auto",
	    [RETURN_MODE_URETPROBE] = "uretprobe",
	    [RETURN_MODE_INSNS] = "insns",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*mode = (enum return_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}
