// SPDX-License-Identifier: GPL-2.0
/* sonde list: the functions a PROBE would match, with object, address and size. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "probes.h"
#include "util.h"

static void list_usage(FILE *f)
{
	fprintf(f, "usage: sonde list [PATTERN...] TARGET\n"
		   "\n"
		   "PATTERN is [OBJECT:]GLOB as for sonde lat (default: every function of the\n"
		   "executable). TARGET is -p PID, -b BINARY, or -- CMD (not started).\n"
		   "  -v   say which symbols are skipped and why\n");
}

static void print_sites(const struct probe_set *set)
{
	int wobj = 6;
	size_t i;

	for (i = 0; i < set->nr; i++) {
		int n = (int)strlen(object_shown_path(set->sites[i].object));

		if (n > wobj)
			wobj = n;
	}
	printf("%-18s %8s  %-*s  %s\n", "ADDRESS", "SIZE", wobj, "OBJECT", "FUNCTION");
	for (i = 0; i < set->nr; i++) {
		const struct probe_site *s = &set->sites[i];

		printf("0x%016llx %8llu  %-*s  %s\n", (unsigned long long)s->vaddr,
		       (unsigned long long)s->size, wobj, object_shown_path(s->object), s->name);
	}
	printf("%zu function%s\n", set->nr, set->nr == 1 ? "" : "s");
}

int cmd_list(int argc, char **argv)
{
	struct probe_spec *specs = NULL;
	struct probe_set set = {0};
	size_t nr_specs = 0, i;
	struct target t;
	int err = 0, ret, a;

	target_init(&t);
	t.resolve_only = true;
	for (a = 1; a < argc && !err; a++) {
		struct probe_spec *v;

		ret = target_parse_arg(&t, argc, argv, &a);
		if (ret < 0) {
			err = ret;
			break;
		}
		if (ret > 0)
			continue;
		if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) {
			list_usage(stdout);
			goto cleanup;
		}
		if (!strcmp(argv[a], "-v")) {
			sonde_verbose = true;
			continue;
		}
		if (argv[a][0] == '-') {
			err = sonde_fail(SONDE_EXIT_INPUT,
					 "unknown option '%s' (try: sonde list --help)", argv[a]);
			break;
		}
		v = realloc(specs, (nr_specs + 1) * sizeof(*v));
		if (!v) {
			err = -ENOMEM;
			break;
		}
		specs = v;
		if (probe_spec_parse(argv[a], &specs[nr_specs]))
			err = sonde_fail(SONDE_EXIT_INPUT,
					 "bad pattern '%s' (expected [OBJECT:]GLOB)", argv[a]);
		else
			nr_specs++;
	}
	if (err)
		goto cleanup;
	err = target_prepare(&t);
	if (err)
		goto cleanup;
	if (!nr_specs) {
		struct probe_spec all = {.glob = "*"};

		err = probes_resolve(&t, &all, 1, (size_t)-1, &set);
	} else {
		err = probes_resolve(&t, specs, nr_specs, (size_t)-1, &set);
	}
	if (!err)
		print_sites(&set);
cleanup:
	probe_set_free(&set);
	for (i = 0; i < nr_specs; i++)
		probe_spec_free(&specs[i]);
	free(specs);
	target_free(&t);
	return exit_status_of(err);
}
