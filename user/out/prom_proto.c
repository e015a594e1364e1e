// SPDX-License-Identifier: GPL-2.0
/*
 * The protobuf exposition: io.prometheus.client.MetricFamily messages, each
 * preceded by its length as a varint ("encoding=delimited"), the format
 * Prometheus asks for when it wants native histograms. A histogram carries
 * the classic buckets and the native ones side by side.
 *
 * A MetricFamily's repeated `metric` field is its entries one after another,
 * so each Metric is packed as it is written (from the caller's strings, which
 * need not outlive the call) after the family's name, help and type; nothing
 * but bytes is kept between calls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "prom_metrics.pb-c.h"
#include "out/prom.h"
#include "out/prom_native.h"

#define PROTO_CONTENT_TYPE                                                                         \
	"application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "               \
	"encoding=delimited"

/* MetricFamily.metric: field 4, length-delimited (wire type 2). */
#define FAMILY_METRIC_TAG ((4 << 3) | 2)

/* A growing byte buffer that protobuf-c packs into; out of memory sets *failed. */
struct pbuf {
	ProtobufCBuffer base;
	uint8_t *data;
	size_t len, cap;
	bool *failed;
};

struct proto_writer {
	struct prom_writer w;
	int schema;
	enum prom_type type;		    /* the current family's */
	size_t nr_metrics;		    /* in the current family */
	struct pbuf out;		    /* the families done, each after its length */
	struct pbuf family;		    /* the current family's bytes */
	__s32 index_of[SONDE_HIST_BUCKETS]; /* at the schema, worked out once a scrape */
	struct prom_native_bucket native_buckets[SONDE_HIST_BUCKETS];
	struct prom_native native;
	Io__Prometheus__Client__BucketSpan spans[SONDE_HIST_BUCKETS];
	Io__Prometheus__Client__BucketSpan *span_ptrs[SONDE_HIST_BUCKETS];
};

static void pbuf_append(ProtobufCBuffer *base, size_t len, const uint8_t *data)
{
	struct pbuf *b = (struct pbuf *)base;
	uint8_t *grown;
	size_t cap;

	if (*b->failed)
		return;
	if (b->len + len > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len)
			cap *= 2;
		grown = realloc(b->data, cap);
		if (!grown) {
			*b->failed = true;
			return;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

/* protobuf-c packs varints inside messages but has no call for the ones around them. */
static void pbuf_varint(struct pbuf *b, uint64_t v)
{
	uint8_t bytes[10];
	size_t n = 0;

	do {
		bytes[n] = v & 0x7f;
		v >>= 7;
		if (v)
			bytes[n] |= 0x80;
		n++;
	} while (v);
	pbuf_append(&b->base, n, bytes);
}

static void pbuf_init(struct pbuf *b, bool *failed)
{
	*b = (struct pbuf){.base = {.append = pbuf_append}, .failed = failed};
}

static struct proto_writer *proto_of(struct prom_writer *w)
{
	return (struct proto_writer *)w;
}

/* The current family, length first, onto the output; a family without metrics is left out. */
static void flush_family(struct proto_writer *pw)
{
	if (pw->nr_metrics) {
		pbuf_varint(&pw->out, pw->family.len);
		pbuf_append(&pw->out.base, pw->family.len, pw->family.data);
	}
	pw->family.len = 0;
	pw->nr_metrics = 0;
}

static void proto_family(struct prom_writer *w, const char *name, enum prom_type type,
			 const char *help)
{
	static const Io__Prometheus__Client__MetricType types[] = {
	    [PROM_COUNTER] = IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER,
	    [PROM_GAUGE] = IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE,
	    [PROM_HISTOGRAM] = IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM,
	};
	struct proto_writer *pw = proto_of(w);
	Io__Prometheus__Client__MetricFamily mf = IO__PROMETHEUS__CLIENT__METRIC_FAMILY__INIT;

	flush_family(pw);
	pw->type = type;
	mf.name = (char *)name;
	mf.help = (char *)help;
	/* Written even for COUNTER, proto2's default 0, so that every family says its type. */
	mf.has_type = true;
	mf.type = types[type];
	io__prometheus__client__metric_family__pack_to_buffer(&mf, &pw->family.base);
}

/* m with the labels, as one more entry of the current family (or w->failed). */
static void add_metric(struct proto_writer *pw, Io__Prometheus__Client__Metric *m,
		       const struct prom_label *labels, size_t nr)
{
	static const uint8_t tag = FAMILY_METRIC_TAG;
	Io__Prometheus__Client__LabelPair *pairs = NULL, **ptrs = NULL;
	size_t i;

	if (nr) {
		pairs = calloc(nr, sizeof(*pairs));
		ptrs = calloc(nr, sizeof(*ptrs));
		if (!pairs || !ptrs) {
			free(pairs);
			free(ptrs);
			pw->w.failed = true;
			return;
		}
	}
	for (i = 0; i < nr; i++) {
		io__prometheus__client__label_pair__init(&pairs[i]);
		pairs[i].name = (char *)labels[i].name;
		pairs[i].value = (char *)labels[i].value;
		ptrs[i] = &pairs[i];
	}
	m->n_label = nr;
	m->label = ptrs;
	pbuf_append(&pw->family.base, 1, &tag);
	pbuf_varint(&pw->family, io__prometheus__client__metric__get_packed_size(m));
	io__prometheus__client__metric__pack_to_buffer(m, &pw->family.base);
	pw->nr_metrics++;
	free(pairs);
	free(ptrs);
}

static void proto_sample(struct prom_writer *w, const struct prom_label *labels, size_t nr,
			 double value)
{
	struct proto_writer *pw = proto_of(w);
	Io__Prometheus__Client__Metric m = IO__PROMETHEUS__CLIENT__METRIC__INIT;
	Io__Prometheus__Client__Counter counter = IO__PROMETHEUS__CLIENT__COUNTER__INIT;
	Io__Prometheus__Client__Gauge gauge = IO__PROMETHEUS__CLIENT__GAUGE__INIT;

	if (pw->type == PROM_COUNTER) {
		counter.has_value = true;
		counter.value = value;
		m.counter = &counter;
	} else {
		gauge.has_value = true;
		gauge.value = value;
		m.gauge = &gauge;
	}
	add_metric(pw, &m, labels, nr);
}

/* The native half of hm: h's buckets re-bucketed at the writer's schema. */
static void set_native(struct proto_writer *pw, Io__Prometheus__Client__Histogram *hm,
		       const struct prom_hist *h)
{
	struct prom_native *n = &pw->native;
	size_t nr, i;

	nr = prom_native_rebucket(h->buckets, pw->index_of, pw->native_buckets, &n->zero_count);
	prom_native_encode(pw->native_buckets, nr, n);
	for (i = 0; i < n->nr_spans; i++) {
		io__prometheus__client__bucket_span__init(&pw->spans[i]);
		pw->spans[i].has_offset = true;
		pw->spans[i].offset = n->spans[i].offset;
		pw->spans[i].has_length = true;
		pw->spans[i].length = n->spans[i].length;
		pw->span_ptrs[i] = &pw->spans[i];
	}
	hm->has_schema = true;
	hm->schema = pw->schema;
	hm->has_zero_threshold = true;
	hm->zero_threshold = PROM_NATIVE_ZERO_THRESHOLD;
	hm->has_zero_count = true;
	hm->zero_count = n->zero_count;
	hm->n_positive_span = n->nr_spans;
	hm->positive_span = pw->span_ptrs;
	hm->n_positive_delta = n->nr_deltas;
	hm->positive_delta = n->deltas;
}

static void proto_histogram(struct prom_writer *w, const struct prom_label *labels, size_t nr,
			    const struct prom_hist *h)
{
	struct proto_writer *pw = proto_of(w);
	Io__Prometheus__Client__Metric m = IO__PROMETHEUS__CLIENT__METRIC__INIT;
	Io__Prometheus__Client__Histogram hm = IO__PROMETHEUS__CLIENT__HISTOGRAM__INIT;
	Io__Prometheus__Client__Bucket *classic = NULL, **ptrs = NULL;
	__u64 below = 0;
	__u32 b = 0;
	size_t i;

	if (h->nr_edges) {
		classic = calloc(h->nr_edges, sizeof(*classic));
		ptrs = calloc(h->nr_edges, sizeof(*ptrs));
		if (!classic || !ptrs) {
			w->failed = true;
			goto cleanup;
		}
	}
	for (i = 0; i < h->nr_edges; i++) {
		/* Edges ascend: each bucket's count adds once, to the first edge above it. */
		for (; b < h->edges[i] && b < SONDE_HIST_BUCKETS; b++)
			below += h->buckets[b];
		io__prometheus__client__bucket__init(&classic[i]);
		classic[i].has_cumulative_count = true;
		classic[i].cumulative_count = below;
		classic[i].has_upper_bound = true;
		classic[i].upper_bound = prom_ns_seconds(sonde_bucket_lower_ns(h->edges[i]));
		ptrs[i] = &classic[i];
	}
	for (; b < SONDE_HIST_BUCKETS; b++)
		below += h->buckets[b];
	/*
	 * Prometheus refuses a native histogram whose buckets hold more than its
	 * count (tsdb ValidateHistogram), and a count read apart from the buckets
	 * can be behind them by the calls that ended in between: never below them.
	 */
	hm.has_sample_count = true;
	hm.sample_count = h->count > below ? h->count : below;
	hm.has_sample_sum = true;
	hm.sample_sum = h->sum;
	hm.n_bucket = h->nr_edges;
	hm.bucket = ptrs;
	set_native(pw, &hm, h);
	m.histogram = &hm;
	add_metric(pw, &m, labels, nr);
cleanup:
	free(classic);
	free(ptrs);
}

static void proto_discard(struct prom_writer *w)
{
	struct proto_writer *pw = proto_of(w);

	free(pw->out.data);
	free(pw->family.data);
	free(pw);
}

static int proto_finish(struct prom_writer *w, char **buf, size_t *len)
{
	struct proto_writer *pw = proto_of(w);

	flush_family(pw);
	/* An exposition without a family is empty, but still a buffer to free. */
	if (!pw->out.data && !w->failed) {
		pw->out.data = malloc(1);
		if (!pw->out.data)
			w->failed = true;
	}
	if (w->failed) {
		proto_discard(w);
		return -ENOMEM;
	}
	*buf = (char *)pw->out.data;
	*len = pw->out.len;
	free(pw->family.data);
	free(pw);
	return 0;
}

static const struct prom_writer_ops proto_ops = {
    .family = proto_family,
    .sample = proto_sample,
    .histogram = proto_histogram,
    .finish = proto_finish,
    .discard = proto_discard,
};

struct prom_writer *prom_proto_writer_new(int schema)
{
	struct proto_writer *pw = calloc(1, sizeof(*pw));

	if (!pw)
		return NULL;
	pw->w.ops = &proto_ops;
	pw->w.content_type = PROTO_CONTENT_TYPE;
	/* Outside -4..8 Prometheus refuses the histogram: the nearest valid schema. */
	if (schema < PROM_NATIVE_SCHEMA_MIN)
		schema = PROM_NATIVE_SCHEMA_MIN;
	if (schema > PROM_NATIVE_SCHEMA_MAX)
		schema = PROM_NATIVE_SCHEMA_MAX;
	pw->schema = schema;
	prom_native_indices(schema, pw->index_of);
	pbuf_init(&pw->out, &pw->w.failed);
	pbuf_init(&pw->family, &pw->w.failed);
	return &pw->w;
}
