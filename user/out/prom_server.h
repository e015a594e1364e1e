/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The --prometheus endpoint: GET /metrics over HTTP (libmicrohttpd), served
 * from sonde's own run loop (no thread of its own): the run loop polls the
 * server's fd and calls prom_server_serve(), which renders a scrape from the
 * source's cumulative totals at that moment. Nothing is reset by a scrape,
 * and the probes never wait for one: the kernel's totals are only read.
 */
#ifndef SONDE_PROM_SERVER_H
#define SONDE_PROM_SERVER_H

#include "out/prom.h"

/* Native histograms' schema (protobuf scrapes): the coarsest whose buckets
 * are nowhere wider than sonde's (2^(1/32) - 1 = 2.2 %, sonde's are 3.1-6.25 %). */
#define PROM_NATIVE_SCHEMA 5

/* Series a scrape may hold before sonde warns: Prometheus's guidance on cardinality. */
#define PROM_SERIES_WARN 5000

/* Write the metrics of one scrape: 0 or -errno (the scrape gets 500). */
typedef int (*prom_collect_fn)(void *ctx, struct prom_writer *w);

struct prom_server;

/*
 * Listen on `addr`, [ADDR:]PORT ("9464" is every address, "127.0.0.1:9464",
 * "[::1]:9464", "localhost:9464"), at once: an address in use or that cannot
 * be bound fails now, before any probe is attached, with exit 2.
 * `option` names the option in messages. 0, or a sonde_fail() code.
 */
int prom_server_open(const char *option, const char *addr, struct prom_server **out);

/* Where scrapes read from; until set, /metrics answers 503. */
void prom_server_set_source(struct prom_server *s, prom_collect_fn fn, void *ctx);

/* Readable when a connection waits (an epoll fd); poll it, then prom_server_serve(). */
int prom_server_fd(const struct prom_server *s);
/* Answer what waits; never blocks. */
void prom_server_serve(struct prom_server *s);
/* The address it listens on, for the "serving" line: "127.0.0.1:9464". */
const char *prom_server_where(const struct prom_server *s);
unsigned long prom_server_scrapes(const struct prom_server *s);

void prom_server_close(struct prom_server *s);

#endif
