// SPDX-License-Identifier: GPL-2.0
#include "cmd/cmd_prom.h"
#include "core/util.h"

void cmd_prom_init(struct cmd_prom *p)
{
	p->addr = NULL;
	p->server = NULL;
	p->buckets = (struct prom_buckets){0};
}

int cmd_prom_open(struct cmd_prom *p)
{
	int err;

	if (!p->addr)
		return 0;
	/* No --prometheus-buckets: the default layout. */
	if (!p->buckets.edges && (err = prom_buckets_init(&p->buckets)))
		return err;
	return prom_server_open("--prometheus", p->addr, &p->server);
}

void cmd_prom_serve(struct cmd_prom *p, prom_collect_fn fn, void *ctx)
{
	if (!p->server)
		return;
	prom_server_set_source(p->server, fn, ctx);
	sonde_say("serving metrics on http://%s/metrics", prom_server_where(p->server));
}

void cmd_prom_free(struct cmd_prom *p)
{
	prom_server_close(p->server);
	prom_buckets_free(&p->buckets);
	p->server = NULL;
}

int cmd_opt_prom_buckets(const struct cmd_opt *opt, const char *name, const char *val)
{
	return prom_buckets_parse(opt->ptr, name, val);
}
