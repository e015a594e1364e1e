// SPDX-License-Identifier: GPL-2.0
/*
 * sonde: a uprobe tracer for live services. main only dispatches, from the
 * table in cmd.c; each subcommand lives in user/cmd_*.c and parses its own
 * options.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "cmd/cmd.h"
#include "core/util.h"

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: sonde COMMAND [options]\n\n");
	for (i = 0; i < cmd_table_len; i++)
		fprintf(f, "  %-6s %s\n", cmd_table[i].name, cmd_table[i].summary);
	fprintf(f, "\nTARGET is -p PID (repeatable), -b BINARY, or -- CMD ARGS... (last).\n"
		   "Run 'sonde COMMAND --help' for a command's options.\n"
		   "Run 'sonde --version' for which sonde this is.\n");
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A closed pipe (sonde ... | head) ends the run through write errors, not a signal
	 * that would skip detaching and stopping a started command. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return SONDE_EXIT_INPUT;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return SONDE_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("sonde %s\n", SONDE_VERSION);
		return SONDE_EXIT_OK;
	}
	c = cmd_find(argv[1]);
	if (c)
		return c->func(argc - 1, argv + 1);
	sonde_fail(SONDE_EXIT_INPUT, "unknown command '%s' (try: sonde --help)", argv[1]);
	return SONDE_EXIT_INPUT;
}
