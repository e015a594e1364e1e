// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus text exposition format, version 0.0.4: # HELP and # TYPE,
 * then one line per sample; a histogram as cumulative _bucket{le} lines,
 * _sum and _count. Written into a growing memory buffer (open_memstream).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "out/prom.h"
#include "sonde/hist.h"

struct prom_text {
	struct prom_writer w;
	FILE *f;
	char *buf;
	size_t len;
	const char *family; /* the current family's name, for a histogram's lines */
};

void prom_format_seconds(char *buf, size_t size, __u64 ns)
{
	int n = snprintf(buf, size, "%llu.%09llu", (unsigned long long)(ns / 1000000000ULL),
			 (unsigned long long)(ns % 1000000000ULL));

	/* Exact, and the same string scrape after scrape: a bucket's identity. */
	while (n > 2 && buf[n - 1] == '0' && buf[n - 2] != '.')
		buf[--n] = '\0';
}

/* A label value: backslash, double quote and newline escaped (the format's rule). */
static void put_escaped(FILE *f, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && quote)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

static void put_value(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else if (v == (double)(long long)v && fabs(v) < 9007199254740992.0)
		fprintf(f, "%lld", (long long)v); /* counts: every digit */
	else
		fprintf(f, "%.15g", v); /* seconds from whole nanoseconds: no float noise */
}

/* name[suffix]{labels[,le="..."]} */
static void put_series(FILE *f, const char *name, const char *suffix,
		       const struct prom_label *labels, size_t nr, const char *le)
{
	size_t i;

	fprintf(f, "%s%s", name, suffix);
	if (!nr && !le)
		return;
	fputc('{', f);
	for (i = 0; i < nr; i++) {
		fprintf(f, "%s%s=\"", i ? "," : "", labels[i].name);
		put_escaped(f, labels[i].value, true);
		fputc('"', f);
	}
	if (le)
		fprintf(f, "%sle=\"%s\"", nr ? "," : "", le);
	fputc('}', f);
}

static void text_family(struct prom_writer *w, const char *name, enum prom_type type,
			const char *help)
{
	static const char *const types[] = {
	    [PROM_COUNTER] = "counter", [PROM_GAUGE] = "gauge", [PROM_HISTOGRAM] = "histogram"};
	struct prom_text *t = (struct prom_text *)w;

	t->family = name;
	fprintf(t->f, "# HELP %s ", name);
	put_escaped(t->f, help, false);
	fprintf(t->f, "\n# TYPE %s %s\n", name, types[type]);
}

static void text_sample(struct prom_writer *w, const struct prom_label *labels, size_t nr,
			double value)
{
	struct prom_text *t = (struct prom_text *)w;

	put_series(t->f, t->family, "", labels, nr, NULL);
	fputc(' ', t->f);
	put_value(t->f, value);
	fputc('\n', t->f);
}

static void text_histogram(struct prom_writer *w, const struct prom_label *labels, size_t nr,
			   const struct prom_hist *h)
{
	struct prom_text *t = (struct prom_text *)w;
	__u64 below = 0;
	__u32 b = 0;
	char le[32];
	size_t i;

	for (i = 0; i < h->nr_edges; i++) {
		for (; b < h->edges[i] && b < SONDE_HIST_BUCKETS; b++)
			below += h->buckets[b];
		prom_format_seconds(le, sizeof(le), sonde_bucket_lower_ns(h->edges[i]));
		put_series(t->f, t->family, "_bucket", labels, nr, le);
		fprintf(t->f, " %llu\n", (unsigned long long)below);
	}
	put_series(t->f, t->family, "_bucket", labels, nr, "+Inf");
	fprintf(t->f, " %llu\n", (unsigned long long)h->count);
	put_series(t->f, t->family, "_sum", labels, nr, NULL);
	fputc(' ', t->f);
	put_value(t->f, h->sum);
	fputc('\n', t->f);
	put_series(t->f, t->family, "_count", labels, nr, NULL);
	fprintf(t->f, " %llu\n", (unsigned long long)h->count);
}

static int text_finish(struct prom_writer *w, char **buf, size_t *len)
{
	struct prom_text *t = (struct prom_text *)w;
	bool failed = w->failed || ferror(t->f);

	/* fclose() leaves the buffer, NUL-terminated, in t->buf (open_memstream). */
	if (fclose(t->f))
		failed = true;
	if (failed) {
		free(t->buf);
		free(t);
		return -ENOMEM;
	}
	*buf = t->buf;
	*len = t->len;
	free(t);
	return 0;
}

static void text_discard(struct prom_writer *w)
{
	struct prom_text *t = (struct prom_text *)w;

	fclose(t->f);
	free(t->buf);
	free(t);
}

static const struct prom_writer_ops text_ops = {
    .family = text_family,
    .sample = text_sample,
    .histogram = text_histogram,
    .finish = text_finish,
    .discard = text_discard,
};

struct prom_writer *prom_text_writer_new(void)
{
	struct prom_text *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->f = open_memstream(&t->buf, &t->len);
	if (!t->f) {
		free(t);
		return NULL;
	}
	t->w.ops = &text_ops;
	t->w.content_type = "text/plain; version=0.0.4; charset=utf-8";
	return &t->w;
}
