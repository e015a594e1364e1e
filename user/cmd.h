/* SPDX-License-Identifier: GPL-2.0 */
/* Subcommands: each parses its own options and returns an exit status. */
#ifndef SONDE_CMD_H
#define SONDE_CMD_H

int cmd_lat(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_mem(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_diff(int argc, char **argv);

#endif
