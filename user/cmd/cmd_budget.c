// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "cmd/cmd_budget.h"

int cmd_opt_budget(const struct cmd_opt *opt, const char *name, const char *val)
{
	(void)name;
	return budget_add(opt->ptr, val);
}

int cmd_budget_judge(const struct budget_set *s, const struct sonde_profile *p,
		     struct budget_eval *e, struct report_opts *ro, bool *breached)
{
	int err;

	memset(e, 0, sizeof(*e));
	if (!s->nr)
		return 0;
	err = budget_eval_profile(s, p, e);
	if (err)
		return err;
	ro->budgets = e;
	*breached |= e->breaches > 0;
	return 0;
}
