// SPDX-License-Identifier: GPL-2.0
/*
 * The --prometheus endpoint on libmicrohttpd, driven from outside: sonde
 * binds the socket itself (so a port in use is said with its reason before
 * anything is attached), hands it to the daemon, and runs the daemon's epoll
 * fd from the run loop. One thread: a scrape and the run's own reads of the
 * BPF maps never race, and there is nothing to lock.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "out/prom_server.h"
#include "core/util.h"

/* A scraper that holds a connection open and silent is dropped after this. */
#define PROM_CONN_TIMEOUT_S 10
/* Scrapers at once: Prometheus uses one per target; a few more for curl. */
#define PROM_CONN_LIMIT 16

struct prom_server {
	struct MHD_Daemon *d;
	int fd; /* the listening socket, owned by the daemon once it started */
	char where[INET6_ADDRSTRLEN + 16];
	prom_collect_fn collect;
	void *ctx;
	unsigned long scrapes;
	bool warned_series;
};

/* "[::1]:9464", "127.0.0.1:9464", "localhost:9464", "9464", ":9464": host ("" for
 * every address) and port. */
static int split_addr(const char *option, const char *addr, char *host, size_t host_len, char *port,
		      size_t port_len)
{
	const char *colon = strrchr(addr, ':'), *p;
	size_t n;

	*host = '\0';
	if (colon) {
		const char *h = addr, *he = colon;

		if (*h == '[' && he > h && he[-1] == ']') {
			h++;
			he--;
		}
		n = (size_t)(he - h);
		/* ":9464", as Go exporters write it: every address. */
		if ((n == 0 && addr[0] == '[') || n >= host_len ||
		    (memchr(h, ':', n) && addr[0] != '['))
			goto bad;
		memcpy(host, h, n);
		host[n] = '\0';
		p = colon + 1;
	} else {
		p = addr;
	}
	n = strlen(p);
	if (n == 0 || n >= port_len || strspn(p, "0123456789") != n || atoi(p) < 1 ||
	    atoi(p) > 65535 || n > 5)
		goto bad;
	memcpy(port, p, n + 1);
	return 0;
bad:
	return sonde_fail(SONDE_EXIT_INPUT,
			  "%s '%s' is not an address to listen on (expected [ADDR:]PORT, like "
			  "9464, 127.0.0.1:9464 or [::1]:9464)",
			  option, addr);
}

static void name_address(const struct sockaddr *sa, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		snprintf(out, len, "[%s]:%u", host, port);
		return;
	}
	inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host, sizeof(host));
	port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	snprintf(out, len, "%s:%u", host, port);
}

/* The first of the address's forms that binds; its errno when none does. */
static int listen_on(const struct addrinfo *ai, char *where, size_t where_len, int *out)
{
	int err = -EADDRNOTAVAIL;

	for (; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
				ai->ai_protocol);
		int one = 1;

		name_address(ai->ai_addr, where, where_len);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		/* A restarted exporter gets its port back at once (TIME_WAIT). */
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 64)) {
			*out = fd;
			return 0;
		}
		err = -errno;
		close(fd);
	}
	return err;
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned int status, const char *type,
			       char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned int status, const char *msg)
{
	return respond(c, status, "text/plain; charset=utf-8", (char *)msg, strlen(msg),
		       MHD_RESPMEM_PERSISTENT);
}

/* Protobuf when the scraper asks for it (Prometheus with native histograms on), else text. */
static struct prom_writer *writer_for(struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
	struct prom_writer *w = NULL;

	if (accept && strstr(accept, PROM_PROTO_ACCEPT) &&
	    strstr(accept, "io.prometheus.client.MetricFamily"))
		w = prom_proto_writer_new(PROM_NATIVE_SCHEMA);
	return w ? w : prom_text_writer_new();
}

static enum MHD_Result scrape(struct prom_server *s, struct MHD_Connection *c)
{
	struct prom_writer *w;
	char *body;
	size_t len;
	int err;

	if (!s->collect)
		return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "sonde is attaching\n");
	if (!(w = writer_for(c)))
		return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	err = s->collect(s->ctx, w);
	if (err) {
		w->ops->discard(w);
		return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "sonde cannot read its BPF maps\n");
	}
	if (w->nr_series > PROM_SERIES_WARN && !s->warned_series) {
		s->warned_series = true;
		sonde_say("the exporter serves %zu series, more than Prometheus handles well per "
			  "target; trace fewer functions, lower --top, use fewer --prometheus-buckets, "
			  "or drop --prometheus-pid",
			  w->nr_series);
	}
	const char *type = w->content_type;

	if (w->ops->finish(w, &body, &len))
		return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	s->scrapes++;
	return respond(c, MHD_HTTP_OK, type, body, len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (*upload_data_size)
		return MHD_NO; /* no request here has a body */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
	if (!strcmp(url, "/metrics"))
		return scrape(cls, c);
	if (!strcmp(url, "/"))
		return respond_text(c, MHD_HTTP_OK, "sonde exporter: GET /metrics\n");
	return respond_text(c, MHD_HTTP_NOT_FOUND, "not found: sonde serves /metrics\n");
}

int prom_server_open(const char *option, const char *addr, struct prom_server **out)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_ADDRCONFIG};
	char host[256], port[8];
	struct addrinfo *ai = NULL;
	struct prom_server *s;
	int err, gai;

	err = split_addr(option, addr, host, sizeof(host), port, sizeof(port));
	if (err)
		return err;
	/* A port alone is every IPv4 address, as exporters listen (":9100"). */
	if (!*host)
		hints.ai_family = AF_INET;
	gai = getaddrinfo(*host ? host : NULL, port, &hints, &ai);
	if (gai)
		return sonde_fail(
		    SONDE_EXIT_INPUT,
		    "%s '%s': cannot resolve '%s': %s (give an address of this machine)", option,
		    addr, host, gai_strerror(gai));
	if (!(s = calloc(1, sizeof(*s)))) {
		freeaddrinfo(ai);
		return -ENOMEM;
	}
	err = listen_on(ai, s->where, sizeof(s->where), &s->fd);
	freeaddrinfo(ai);
	if (err) {
		free(s);
		return sonde_fail(SONDE_EXIT_INPUT, "%s: cannot listen on %s: %s (%s)", option,
				  addr, strerror(-err),
				  err == -EADDRINUSE ? "another program has that port; pick another"
						     : "give an address of this machine");
	}
	s->d =
	    MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_SUPPRESS_DATE_NO_CLOCK, 0, NULL, NULL, handle,
			     s, MHD_OPTION_LISTEN_SOCKET, s->fd, MHD_OPTION_CONNECTION_TIMEOUT,
			     (unsigned int)PROM_CONN_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
			     (unsigned int)PROM_CONN_LIMIT, MHD_OPTION_END);
	if (!s->d) {
		close(s->fd);
		free(s);
		return sonde_fail(SONDE_EXIT_SYSTEM, "%s: cannot start the HTTP server on %s",
				  option, addr);
	}
	*out = s;
	return 0;
}

void prom_server_set_source(struct prom_server *s, prom_collect_fn fn, void *ctx)
{
	s->collect = fn;
	s->ctx = ctx;
}

int prom_server_fd(const struct prom_server *s)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD);

	return i ? i->epoll_fd : -1;
}

void prom_server_serve(struct prom_server *s)
{
	MHD_run(s->d);
}

const char *prom_server_where(const struct prom_server *s)
{
	return s->where;
}

unsigned long prom_server_scrapes(const struct prom_server *s)
{
	return s->scrapes;
}

void prom_server_close(struct prom_server *s)
{
	if (!s)
		return;
	/* The daemon closes the listening socket it was given. */
	MHD_stop_daemon(s->d);
	free(s);
}
