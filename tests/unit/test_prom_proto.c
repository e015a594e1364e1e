// SPDX-License-Identifier: GPL-2.0
/*
 * The protobuf exposition (user/out/prom_proto.c), read back with protoc-c's
 * own unpack: length-delimited families, labels, values, classic and native
 * buckets; and out of memory at every allocation in turn.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "prom_metrics.pb-c.h"
#include "out/prom.h"
#include "out/prom_native.h"

#define B1000 111 /* [992, 1024) ns */
#define B5000 147 /* [4864, 5120) ns */

/*
 * malloc and friends, replaced for this program: glibc's own underneath, but
 * once armed, the allocation after `fail_after` others fails, and `live`
 * counts the blocks not yet freed. Under valgrind, pass
 * --soname-synonyms=somalloc=nouserintercepts to keep them.
 */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);

/* volatile: the compiler takes malloc for the C library's, which reads none of them. */
static volatile bool armed;
static volatile long fail_after = -1;
static volatile long live;

static bool refuse(void)
{
	if (!armed || fail_after < 0)
		return false;
	return fail_after-- == 0;
}

void *malloc(size_t size)
{
	void *p = refuse() ? NULL : __libc_malloc(size);

	live += armed && p;
	return p;
}

void *calloc(size_t n, size_t size)
{
	void *p = refuse() ? NULL : __libc_calloc(n, size);

	live += armed && p;
	return p;
}

void *realloc(void *old, size_t size)
{
	void *p = refuse() ? NULL : __libc_realloc(old, size);

	live += armed && p && !old;
	return p;
}

void free(void *p)
{
	live -= armed && p;
	__libc_free(p);
}

static __u64 buckets[SONDE_HIST_BUCKETS];
static const __u32 edges[] = {B1000, B1000 + 1, B5000 + 1};

/* The exposition the tests read: a family of each type, then one that stays empty. */
static int write_all(char **buf, size_t *len)
{
	struct prom_writer *w = prom_proto_writer_new(PROM_NATIVE_SCHEMA);
	struct prom_hist h = {
	    .buckets = buckets, .count = 14, .sum = 0.0000465, .edges = edges, .nr_edges = 3};
	static const __u64 empty[SONDE_HIST_BUCKETS];
	char *fn, *obj;

	if (!w)
		return -ENOMEM;
	memset(buckets, 0, sizeof(buckets));
	buckets[0] = 2;
	buckets[B1000] = 5;
	buckets[B5000] = 7;
	prom_family(w, "sonde_dropped_total", PROM_COUNTER, "Events sonde lost.");
	prom_sample(w, (const struct prom_label[]){{"reason", "ringbuf"}}, 1, 3);
	prom_sample(w, (const struct prom_label[]){{"reason", "stack"}}, 1, 0);
	prom_family(w, "sonde_rss_bytes", PROM_GAUGE, "Resident set size.");
	prom_sample(w, NULL, 0, 1234567);
	prom_family(w, "sonde_function_duration_seconds", PROM_HISTOGRAM, "Calls' latency.");
	/* Strings the writer must copy: freed (and overwritten) at once. */
	fn = strdup("handle_request");
	obj = strdup("postgres");
	if (!fn || !obj) {
		free(fn);
		free(obj);
		w->ops->discard(w);
		return -ENOMEM;
	}
	prom_histogram(w, (const struct prom_label[]){{"function", fn}, {"object", obj}}, 2, &h);
	memset(fn, 'x', strlen(fn));
	free(fn);
	free(obj);
	h = (struct prom_hist){.buckets = empty, .edges = edges, .nr_edges = 3};
	prom_histogram(
	    w, (const struct prom_label[]){{"function", "idle"}, {"object", "libc.so.6"}}, 2, &h);
	prom_family(w, "sonde_nothing_total", PROM_COUNTER, "No sample.");
	return w->ops->finish(w, buf, len);
}

/* The families in buf, unpacked by protobuf-c after their varint lengths. */
static size_t read_all(const char *buf, size_t len, Io__Prometheus__Client__MetricFamily **mf,
		       size_t max)
{
	const uint8_t *p = (const uint8_t *)buf, *end = p + len;
	size_t nr = 0;

	while (p < end) {
		uint64_t size = 0;
		int shift = 0;

		do {
			assert_true(p < end && shift < 64);
			size |= (uint64_t)(*p & 0x7f) << shift;
			shift += 7;
		} while (*p++ & 0x80);
		assert_true(size <= (uint64_t)(end - p));
		assert_true(nr < max);
		mf[nr] = io__prometheus__client__metric_family__unpack(NULL, size, p);
		assert_non_null(mf[nr]);
		nr++;
		p += size;
	}
	return nr;
}

static void assert_label(const Io__Prometheus__Client__Metric *m, size_t i, const char *name,
			 const char *value)
{
	assert_true(i < m->n_label);
	assert_string_equal(m->label[i]->name, name);
	assert_string_equal(m->label[i]->value, value);
}

static void assert_bucket(const Io__Prometheus__Client__Histogram *hm, size_t i, __u64 count,
			  __u64 le_ns)
{
	assert_true(hm->bucket[i]->has_cumulative_count);
	assert_int_equal(hm->bucket[i]->cumulative_count, count);
	assert_true(hm->bucket[i]->upper_bound == prom_ns_seconds(le_ns));
}

static void check_counter_and_gauge(Io__Prometheus__Client__MetricFamily **mf)
{
	assert_string_equal(mf[0]->name, "sonde_dropped_total");
	assert_string_equal(mf[0]->help, "Events sonde lost.");
	assert_true(mf[0]->has_type);
	assert_int_equal(mf[0]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER);
	assert_int_equal(mf[0]->n_metric, 2);
	assert_label(mf[0]->metric[0], 0, "reason", "ringbuf");
	assert_non_null(mf[0]->metric[0]->counter);
	assert_null(mf[0]->metric[0]->gauge);
	assert_true(mf[0]->metric[0]->counter->value == 3);
	assert_label(mf[0]->metric[1], 0, "reason", "stack");
	/* A zero is written, not left to the default. */
	assert_true(mf[0]->metric[1]->counter->has_value);
	assert_true(mf[0]->metric[1]->counter->value == 0);

	assert_string_equal(mf[1]->name, "sonde_rss_bytes");
	assert_int_equal(mf[1]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE);
	assert_int_equal(mf[1]->n_metric, 1);
	assert_int_equal(mf[1]->metric[0]->n_label, 0);
	assert_non_null(mf[1]->metric[0]->gauge);
	assert_true(mf[1]->metric[0]->gauge->value == 1234567);
}

static void check_histograms(const Io__Prometheus__Client__MetricFamily *mf)
{
	const Io__Prometheus__Client__Histogram *hm;

	assert_string_equal(mf->name, "sonde_function_duration_seconds");
	assert_int_equal(mf->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM);
	assert_int_equal(mf->n_metric, 2);
	assert_int_equal(mf->metric[0]->n_label, 2);
	assert_label(mf->metric[0], 0, "function", "handle_request");
	assert_label(mf->metric[0], 1, "object", "postgres");
	hm = mf->metric[0]->histogram;
	assert_non_null(hm);
	assert_int_equal(hm->sample_count, 14);
	assert_true(hm->sample_sum == 0.0000465);
	/* Classic: le 992 ns holds the zeros, 1024 ns the 1000s too, 5120 ns all. */
	assert_int_equal(hm->n_bucket, 3);
	assert_bucket(hm, 0, 2, 992);
	assert_bucket(hm, 1, 7, 1024);
	assert_bucket(hm, 2, 14, 5120);
	/* Native: zero bucket, then 1023 ns in bucket -636, 5119 ns in -562 (at schema 5). */
	assert_true(hm->has_schema);
	assert_int_equal(hm->schema, 5);
	assert_true(hm->zero_threshold == 0x1p-128);
	assert_int_equal(hm->zero_count, 2);
	assert_int_equal(hm->n_positive_span, 2);
	assert_int_equal(hm->positive_span[0]->offset, -636);
	assert_int_equal(hm->positive_span[0]->length, 1);
	assert_int_equal(hm->positive_span[1]->offset, -562 - (-636) - 1);
	assert_int_equal(hm->positive_span[1]->length, 1);
	assert_int_equal(hm->n_positive_delta, 2);
	assert_int_equal(hm->positive_delta[0], 5);
	assert_int_equal(hm->positive_delta[1], 2);

	/* Empty: the classic buckets all 0, native by its threshold and the no-op span. */
	assert_label(mf->metric[1], 0, "function", "idle");
	assert_label(mf->metric[1], 1, "object", "libc.so.6");
	hm = mf->metric[1]->histogram;
	assert_int_equal(hm->sample_count, 0);
	assert_true(hm->has_sample_sum);
	assert_bucket(hm, 2, 0, 5120);
	assert_true(hm->has_zero_count);
	assert_int_equal(hm->zero_count, 0);
	assert_true(hm->zero_threshold > 0);
	assert_int_equal(hm->n_positive_span, 1);
	assert_int_equal(hm->positive_span[0]->offset, 0);
	assert_int_equal(hm->positive_span[0]->length, 0);
	assert_int_equal(hm->n_positive_delta, 0);
}

/* What write_all() wrote, read back and checked; buf is freed. */
static void check_exposition(char *buf, size_t len)
{
	Io__Prometheus__Client__MetricFamily *mf[8];
	size_t nr, i;

	nr = read_all(buf, len, mf, 8);
	/* The family without a sample is left out. */
	assert_int_equal(nr, 3);
	check_counter_and_gauge(mf);
	check_histograms(mf[2]);
	for (i = 0; i < nr; i++)
		io__prometheus__client__metric_family__free_unpacked(mf[i], NULL);
	free(buf);
}

static void test_read_back(void **state)
{
	char *buf;
	size_t len;

	(void)state;
	assert_int_equal(write_all(&buf, &len), 0);
	check_exposition(buf, len);
}

static void test_content_type_and_empty(void **state)
{
	struct prom_writer *w = prom_proto_writer_new(PROM_NATIVE_SCHEMA);
	char *buf = NULL;
	size_t len = 1;

	(void)state;
	assert_non_null(w);
	assert_string_equal(w->content_type, "application/vnd.google.protobuf; "
					     "proto=io.prometheus.client.MetricFamily; "
					     "encoding=delimited");
	assert_int_equal(w->ops->finish(w, &buf, &len), 0);
	assert_non_null(buf);
	assert_int_equal(len, 0);
	free(buf);
}

/* The schema asked for is the one written; outside -4..8, the nearest valid one. */
static void test_schema(void **state)
{
	static const int asked[] = {0, 8, -4, 12, -9}, written[] = {0, 8, -4, 8, -4};
	Io__Prometheus__Client__MetricFamily *mf;
	size_t i;

	(void)state;
	memset(buckets, 0, sizeof(buckets));
	buckets[B1000] = 1;
	for (i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
		struct prom_writer *w = prom_proto_writer_new(asked[i]);
		struct prom_hist h = {.buckets = buckets, .count = 1};
		char *buf;
		size_t len;

		assert_non_null(w);
		prom_family(w, "x_seconds", PROM_HISTOGRAM, NULL);
		prom_histogram(w, NULL, 0, &h);
		assert_int_equal(w->ops->finish(w, &buf, &len), 0);
		assert_int_equal(read_all(buf, len, &mf, 1), 1);
		assert_null(mf->help);
		assert_int_equal(mf->metric[0]->histogram->schema, written[i]);
		assert_int_equal(mf->metric[0]->histogram->positive_span[0]->offset,
				 prom_native_index(1023e-9, written[i]));
		io__prometheus__client__metric_family__free_unpacked(mf, NULL);
		free(buf);
	}
}

/* Each allocation in turn refused: -ENOMEM and nothing left behind, until all succeed. */
static void test_out_of_memory(void **state)
{
	void *volatile probe;
	char *buf = NULL;
	size_t len = 0;
	long n, left;
	int err;

	(void)state;
	/* Valgrind puts its own malloc in place of this one, unless told not to (see the top). */
	armed = true;
	fail_after = 0;
	probe = malloc(1); /* volatile too, or the compiler drops a malloc it sees freed */
	armed = false;
	fail_after = -1;
	if (probe) {
		free(probe);
		skip();
	}
	for (n = 0;; n++) {
		fail_after = n;
		live = 0;
		armed = true;
		err = write_all(&buf, &len);
		armed = false;
		left = live;
		if (!err)
			break;
		assert_int_equal(err, -ENOMEM);
		assert_int_equal(left, 0);
	}
	/* Only the exposition is left, and it is whole. */
	assert_int_equal(left, 1);
	assert_true(n > 10);
	check_exposition(buf, len);
}

/* A count behind its buckets (read apart from them) is raised to theirs, as Prometheus wants. */
static void test_count_not_below_buckets(void **state)
{
	struct prom_writer *w = prom_proto_writer_new(PROM_NATIVE_SCHEMA);
	Io__Prometheus__Client__MetricFamily *mf;
	struct prom_hist h = {.buckets = buckets, .count = 10, .edges = edges, .nr_edges = 1};
	char *buf;
	size_t len;

	(void)state;
	memset(buckets, 0, sizeof(buckets));
	buckets[0] = 1;
	buckets[B1000] = 5;
	buckets[B5000] = 7;
	assert_non_null(w);
	prom_family(w, "x_seconds", PROM_HISTOGRAM, NULL);
	prom_histogram(w, NULL, 0, &h);
	h.count = 20;
	prom_histogram(w, NULL, 0, &h);
	assert_int_equal(w->ops->finish(w, &buf, &len), 0);
	assert_int_equal(read_all(buf, len, &mf, 1), 1);
	assert_int_equal(mf->metric[0]->histogram->sample_count, 13);
	assert_int_equal(mf->metric[0]->histogram->bucket[0]->cumulative_count, 1);
	/* More than the buckets is Prometheus's NaN observations: left as it is. */
	assert_int_equal(mf->metric[1]->histogram->sample_count, 20);
	io__prometheus__client__metric_family__free_unpacked(mf, NULL);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_back),
	    cmocka_unit_test(test_content_type_and_empty),
	    cmocka_unit_test(test_schema),
	    cmocka_unit_test(test_count_not_below_buckets),
	    cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
