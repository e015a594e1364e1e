// SPDX-License-Identifier: GPL-2.0
#include "cmd/cmd_budget.h"
#include "cmd/cmd_opts.h"

int cmd_opt_budget(const struct cmd_opt *opt, const char *name, const char *val)
{
	(void)name;
	return budget_add(opt->ptr, val);
}
