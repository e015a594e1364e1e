/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus exposition: what a scrape of sonde's exporter returns, written
 * through a writer that is the text format (version 0.0.4) or the protobuf
 * one (io.prometheus.client.MetricFamily, length-delimited), which alone can
 * carry native histograms. The metrics (user/out/prom_lat.c, prom_mem.c)
 * are written once and rendered by whichever the scraper asked for.
 *
 * A family's samples follow its prom_family() call, before the next family.
 */
#ifndef SONDE_PROM_H
#define SONDE_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

enum prom_type {
	PROM_COUNTER,
	PROM_GAUGE,
	PROM_HISTOGRAM,
};

struct prom_label {
	const char *name;
	const char *value;
};

/* One histogram series, from sonde's own log-linear buckets (sonde/hist.h). */
struct prom_hist {
	const __u64 *buckets; /* SONDE_HIST_BUCKETS counts of nanosecond values */
	__u64 count;
	double sum; /* seconds */
	/*
	 * The classic buckets' upper edges as sonde bucket indices, ascending: the
	 * bucket le = sonde_bucket_lower_ns(edge[i]) / 1e9 counts every value in
	 * sonde buckets below edge[i] (values are whole nanoseconds, so a value of
	 * exactly that bound is in the next one). +Inf is implied.
	 */
	const __u32 *edges;
	size_t nr_edges;
};

struct prom_writer;

struct prom_writer_ops {
	void (*family)(struct prom_writer *w, const char *name, enum prom_type type,
		       const char *help);
	/* A counter's or gauge's sample. */
	void (*sample)(struct prom_writer *w, const struct prom_label *labels, size_t nr,
		       double value);
	void (*histogram)(struct prom_writer *w, const struct prom_label *labels, size_t nr,
			  const struct prom_hist *h);
	/* The exposition, malloc'ed, into *buf and *len; 0 or -ENOMEM. The writer is freed. */
	int (*finish)(struct prom_writer *w, char **buf, size_t *len);
	/* Freed without output (an error on the way). */
	void (*discard)(struct prom_writer *w);
};

struct prom_writer {
	const struct prom_writer_ops *ops;
	const char *content_type; /* the response's Content-Type */
	size_t nr_series;	  /* series written so far, a classic histogram's each */
	bool failed;		  /* out of memory on the way: finish() says -ENOMEM */
};

/* The text format: NULL when out of memory. */
struct prom_writer *prom_text_writer_new(void);
/* The protobuf format, with native histograms of `schema` (-4..8) beside the
 * classic buckets: NULL when out of memory. */
struct prom_writer *prom_proto_writer_new(int schema);

/* ns as seconds, exactly and without trailing zeros ("0.000001024"): a text le. */
void prom_format_seconds(char *buf, size_t size, __u64 ns);

/* The protobuf format's Accept value, which Prometheus sends when it wants native histograms. */
#define PROM_PROTO_ACCEPT "application/vnd.google.protobuf"

static inline void prom_family(struct prom_writer *w, const char *name, enum prom_type type,
			       const char *help)
{
	w->ops->family(w, name, type, help);
}

static inline void prom_sample(struct prom_writer *w, const struct prom_label *labels, size_t nr,
			       double value)
{
	w->nr_series++;
	w->ops->sample(w, labels, nr, value);
}

static inline void prom_histogram(struct prom_writer *w, const struct prom_label *labels, size_t nr,
				  const struct prom_hist *h)
{
	/* As Prometheus counts them: each bucket, +Inf, _sum and _count. */
	w->nr_series += h->nr_edges + 3;
	w->ops->histogram(w, labels, nr, h);
}

#endif
