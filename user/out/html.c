// SPDX-License-Identifier: GPL-2.0
/* What every HTML report shares: escaping, the page around a body, the run's
 * header, histogram charts, and writing the page through an out_file. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/hist.h"
#include "core/safe_text.h"
#include "core/util.h"
#include "out/html.h"
#include "out/html_assets.h"

/* Chart geometry, in px: plot area inside margins for the axis labels; above
 * it a line for the chart's label, then the percentiles' labels. */
#define HIST_W	      520
#define HIST_H	      202
#define HIST_LEFT     46
#define HIST_RIGHT    10
#define HIST_TOP      34
#define HIST_BOTTOM   24
#define HIST_MAX_BARS 48

void html_puts(FILE *f, const char *s)
{
	size_t len = safe_text(NULL, 0, s) + 1;
	char small[256], *buf = len <= sizeof(small) ? small : malloc(len);
	const char *c;

	if (!buf) {
		fputs("?", f);
		return;
	}
	safe_text(buf, len, s);
	for (c = buf; *c; c++) {
		switch (*c) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*c, f);
		}
	}
	if (buf != small)
		free(buf);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

void html_func_name(FILE *f, const char *object, const char *name, const char *main_object)
{
	if (object && main_object && strcmp(object, main_object)) {
		html_puts(f, base_name(object));
		fputc(':', f);
	}
	html_puts(f, name);
}

void html_list(FILE *f, const char *tag, const char *attrs, const char *const *items, size_t n)
{
	size_t i;

	fprintf(f, "<%s%s>", tag, attrs);
	for (i = 0; i < n; i++) {
		fputs("<li>", f);
		html_puts(f, items[i]);
		fputs("</li>\n", f);
	}
	fprintf(f, "</%s>\n", tag);
}

void html_td_num(FILE *f, double v, const char *text)
{
	fprintf(f, "<td class=\"n\" data-v=\"%.17g\">", v);
	html_puts(f, text);
	fputs("</td>", f);
}

static void meta_row(FILE *f, const char *label, const char *value)
{
	if (!value || !*value)
		return;
	fprintf(f, "<dt>%s</dt><dd>", label);
	html_puts(f, value);
	fputs("</dd>", f);
}

static void meta_rows(FILE *f, const struct run_meta *m)
{
	time_t secs = (time_t)(m->start_unix_ns / 1000000000ULL);
	char when[64] = "", pids[16 * SONDE_MAX_PIDS] = "";
	size_t used = 0;
	struct tm tm;
	int i;

	if (m->start_unix_ns && gmtime_r(&secs, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	for (i = 0; i < m->nr_pids && used < sizeof(pids); i++)
		used += (size_t)snprintf(pids + used, sizeof(pids) - used, "%s%d", i ? " " : "",
					 m->pids[i]);
	meta_row(f, "recorded", when);
	meta_row(f, "host", m->host);
	meta_row(f, "kernel", m->kernel);
	meta_row(f, "command", m->command);
	meta_row(f, "binary", m->binary);
	meta_row(f, "pids", pids);
	meta_row(f, "sonde", m->sonde_version);
	meta_row(f, "options", m->options);
}

void html_page_begin(FILE *f, const char *title, const struct run_meta *const *metas,
		     const char *const *labels, size_t nr_metas)
{
	size_t i;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      /* Nothing on the page may load: say so to the browser too. */
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n<title>",
	      f);
	html_puts(f, title);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", html_css);
	html_puts(f, title);
	/* Several runs (a diff's base and new) side by side. */
	fputs("</h1>\n<div class=\"runs\">\n", f);
	for (i = 0; i < nr_metas; i++) {
		if (!metas[i])
			continue;
		fputs("<div>", f);
		if (labels && labels[i]) {
			fputs("<h3>", f);
			html_puts(f, labels[i]);
			fputs("</h3>\n", f);
		}
		fputs("<dl class=\"meta\">", f);
		meta_rows(f, metas[i]);
		fputs("</dl></div>\n", f);
	}
	fputs("</div>\n</header>\n", f);
}

int html_page_end(FILE *f)
{
	fputs("<footer>Written by sonde ", f);
	html_puts(f, sonde_version());
	fprintf(f,
		". Click a column's title to sort by it.</footer>\n<script>\n%s</script>\n"
		"</body>\n</html>\n",
		html_js);
	return ferror(f) ? -EIO : 0;
}

int html_hist_scale(struct html_hist_scale *s, const __u64 *const *hists, size_t n)
{
	int first = -1, last = -1, lo, hi, b, g;
	size_t i;

	for (i = 0; i < n; i++) {
		if (hist_range(hists[i], &lo, &hi))
			continue;
		first = first < 0 || lo < first ? lo : first;
		last = hi > last ? hi : last;
	}
	if (first < 0)
		return -1;
	s->group = 1;
	while (last / s->group - first / s->group + 1 > HIST_MAX_BARS)
		s->group *= 2;
	s->first = first - first % s->group;
	s->last = last;
	s->max_count = 0;
	for (i = 0; i < n; i++)
		for (b = s->first; b <= last; b += s->group) {
			__u64 c = 0;

			for (g = b; g < b + s->group && g < SONDE_HIST_BUCKETS; g++)
				c += hists[i][g];
			s->max_count = c > s->max_count ? c : s->max_count;
		}
	return 0;
}

/* Where a value falls on the chart: bucket positions are log-linear already,
 * so a value sits at its bucket plus its linear share of that bucket. */
static double value_x(double v, const struct html_hist_scale *s, double x0, double w)
{
	int nr = s->last - s->first + 1, b;
	double lo, hi, pos;

	b = v < 1 ? 0 : (int)sonde_bucket_of_ns((__u64)v);
	lo = (double)sonde_bucket_lower_ns(b);
	hi = (double)sonde_bucket_lower_ns(b + 1);
	pos = b - s->first + (hi > lo ? (v - lo) / (hi - lo) : 0);
	if (pos < 0)
		pos = 0;
	if (pos > nr)
		pos = nr;
	return x0 + w * pos / nr;
}

static void hist_bars(FILE *f, const struct html_hist *h, const struct html_hist_scale *s,
		      double x0, double y0, double w, double ph)
{
	int nr = s->last - s->first + 1, b, g;
	double bw = w * s->group / nr;
	char lo[32], hi[32];

	for (b = s->first; b <= s->last; b += s->group) {
		int end = b + s->group < SONDE_HIST_BUCKETS ? b + s->group : SONDE_HIST_BUCKETS;
		double bh;
		__u64 c = 0;

		for (g = b; g < end; g++)
			c += h->hist[g];
		if (!c)
			continue;
		bh = s->max_count ? ph * (double)c / (double)s->max_count : 0;
		if (bh < 1)
			bh = 1;
		fprintf(f,
			"<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
			"<title>%s .. %s: %llu calls</title></rect>\n",
			h->bar_class ? h->bar_class : "bar", x0 + w * (b - s->first) / nr + 0.5,
			y0 + ph - bh, bw > 2 ? bw - 1 : bw, bh,
			fmt_ns(lo, sizeof(lo), (double)sonde_bucket_lower_ns(b)),
			fmt_ns(hi, sizeof(hi), (double)sonde_bucket_lower_ns(end)),
			(unsigned long long)c);
	}
}

/* The x axis: the lower bound of the first bucket, of the last's end, and three between. */
static void hist_axis(FILE *f, const struct html_hist_scale *s, double x0, double y0, double w)
{
	int nr = s->last - s->first + 1, i;
	char t[32];

	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x0,
		y0, x0 + w, y0);
	for (i = 0; i <= 4; i++) {
		int b = s->first + nr * i / 4;

		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>\n",
			x0 + w * i / 4, y0 + 15,
			i == 0	 ? "start"
			: i == 4 ? "end"
				 : "middle",
			fmt_ns(t, sizeof(t), (double)sonde_bucket_lower_ns(b)));
	}
}

void html_hist_svg(FILE *f, const struct html_hist *h, const struct html_hist_scale *s)
{
	static const struct {
		const char *name;
		double q;
	} marks[] = {{"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}};
	const double x0 = HIST_LEFT, w = HIST_W - HIST_LEFT - HIST_RIGHT, y0 = HIST_TOP,
		     ph = HIST_H - HIST_TOP - HIST_BOTTOM;
	double row_end[3] = {-1e9, -1e9, -1e9};
	char t[32];
	size_t i;

	fprintf(f,
		"<svg class=\"hist\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"histogram of calls by time\">\n",
		HIST_W, HIST_H, HIST_W, HIST_H);
	if (h->label) {
		fputs("<text x=\"0\" y=\"12\" style=\"font-weight:600\">", f);
		html_puts(f, h->label);
		fputs("</text>\n", f);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%llu</text>\n", x0 - 4, y0 + 8,
		(unsigned long long)s->max_count);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">calls</text>\n", x0 - 4,
		y0 + 20);
	hist_bars(f, h, s, x0, y0, w, ph);
	hist_axis(f, s, x0, y0 + ph, w);
	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		double v = hist_quantile(h->hist, h->min_ns, h->max_ns, marks[i].q);
		double x = value_x(v, s, x0, w), tw, from;
		bool right = x > x0 + w - 80;
		size_t row;

		/* Each label on the first line where it overlaps none (6.5 px a character). */
		fmt_ns(t, sizeof(t), v);
		tw = 6.5 * (double)(strlen(marks[i].name) + 1 + strlen(t));
		from = right ? x - 3 - tw : x + 3;
		for (row = 0; row < 2 && from < row_end[row] + 4; row++)
			;
		row_end[row] = from + tw;

		fprintf(f,
			"<line class=\"pct %s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\">"
			"<title>%s %s</title></line>\n",
			marks[i].name, x, y0 - 2, x, y0 + ph, marks[i].name, t);
		fprintf(
		    f, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s %s</text>\n",
		    marks[i].name, right ? x - 3 : x + 3, y0 - 4 + 12 * (double)row,
		    right ? "end" : "start", marks[i].name, t);
	}
	fputs("</svg>\n", f);
}

#define LINE_W	    520
#define LINE_H	    170
#define LINE_LEFT   62
#define LINE_RIGHT  10
#define LINE_TOP    12
#define LINE_BOTTOM 24

struct line_frame {
	double x0, w, y0, ph;
	double xmin, xspan, ymin, yspan;
};

static double line_px(const struct line_frame *fr, double x)
{
	return fr->x0 + fr->w * (x - fr->xmin) / fr->xspan;
}

static double line_py(const struct line_frame *fr, double y)
{
	return fr->y0 + fr->ph - fr->ph * (y - fr->ymin) / fr->yspan;
}

/* The area under each run of values without a gap, then its line. */
static void line_paths(FILE *f, const struct html_line *l, const struct line_frame *fr)
{
	size_t i, start;

	for (i = 0; i < l->n;) {
		for (; i < l->n && isnan(l->y[i]); i++)
			;
		if (i == l->n)
			break;
		start = i;
		fprintf(f, "<path class=\"area\" d=\"M%.1f %.1f", line_px(fr, l->x[i]),
			line_py(fr, fmax(fr->ymin, 0)));
		for (; i < l->n && !isnan(l->y[i]); i++)
			fprintf(f, " L%.1f %.1f", line_px(fr, l->x[i]), line_py(fr, l->y[i]));
		fprintf(f, " L%.1f %.1f Z\"/>\n<polyline class=\"line\" points=\"",
			line_px(fr, l->x[i - 1]), line_py(fr, fmax(fr->ymin, 0)));
		for (i = start; i < l->n && !isnan(l->y[i]); i++)
			fprintf(f, "%s%.1f,%.1f", i > start ? " " : "", line_px(fr, l->x[i]),
				line_py(fr, l->y[i]));
		fputs("\"/>\n", f);
	}
}

void html_line_svg(FILE *f, const struct html_line *l)
{
	struct line_frame fr = {.x0 = LINE_LEFT,
				.w = LINE_W - LINE_LEFT - LINE_RIGHT,
				.y0 = LINE_TOP,
				.ph = LINE_H - LINE_TOP - LINE_BOTTOM};
	double xmax = 0, ymax = 0;
	char a[48];
	size_t i;

	fr.xmin = l->n ? l->x[0] : 0;
	for (i = 0; i < l->n; i++) {
		xmax = fmax(xmax, l->x[i]);
		if (!isnan(l->y[i])) {
			ymax = fmax(ymax, l->y[i]);
			fr.ymin = fmin(fr.ymin, l->y[i]);
		}
	}
	fr.xspan = xmax > fr.xmin ? xmax - fr.xmin : 1;
	fr.yspan = ymax > fr.ymin ? ymax - fr.ymin : 1;
	fprintf(f,
		"<svg class=\"series\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"role=\"img\" aria-label=\"a series of values\">\n",
		LINE_W, LINE_H, LINE_W, LINE_H);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", fr.x0 - 4,
		fr.y0 + 8, l->fmt_y(a, sizeof(a), ymax));
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", fr.x0 - 4,
		fr.y0 + fr.ph, fr.ymin < 0 ? l->fmt_y(a, sizeof(a), fr.ymin) : "0");
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
		fr.x0, line_py(&fr, fmax(fr.ymin, 0)), fr.x0 + fr.w,
		line_py(&fr, fmax(fr.ymin, 0)));
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", fr.x0, fr.y0 + fr.ph + 15);
	html_puts(f, l->x_first ? l->x_first : "");
	fprintf(f, "</text>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", fr.x0 + fr.w,
		fr.y0 + fr.ph + 15);
	html_puts(f, l->x_last ? l->x_last : "");
	fputs("</text>\n", f);
	for (i = 0; i < l->nr_marks; i++)
		if (l->marks[i] < l->n)
			fprintf(f,
				"<line class=\"pct p99\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\"/>\n",
				line_px(&fr, l->x[l->marks[i]]), fr.y0,
				line_px(&fr, l->x[l->marks[i]]), fr.y0 + fr.ph);
	line_paths(f, l, &fr);
	for (i = 0; l->dots && i < l->n; i++)
		if (!isnan(l->y[i]))
			fprintf(f,
				"<circle class=\"dot\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\">"
				"<title>#%zu: %s</title></circle>\n",
				line_px(&fr, l->x[i]), line_py(&fr, l->y[i]), i,
				l->fmt_y(a, sizeof(a), l->y[i]));
	fputs("</svg>\n", f);
}

int html_write_profile(FILE *f, const struct sonde_profile *p)
{
	static void (*const body[PROFILE__KINDS])(FILE *, const struct sonde_profile *) = {
	    [PROFILE_LAT] = html_lat_body,
	    [PROFILE_MEM] = html_mem_body,
	};
	static const char *const titles[PROFILE__KINDS] = {
	    [PROFILE_LAT] = "sonde lat: latency per function",
	    [PROFILE_MEM] = "sonde mem: memory growth per stack",
	};
	const struct run_meta *meta = p->meta;
	int err;

	if (p->kind >= PROFILE__KINDS || !body[p->kind])
		return -EINVAL;
	html_page_begin(f, titles[p->kind], &meta, NULL, 1);
	body[p->kind](f, p);
	err = html_write_flame(f, p);
	if (!err)
		err = html_page_end(f);
	return err;
}

int html_write_profile_ctx(FILE *f, const void *ctx)
{
	return html_write_profile(f, ctx);
}

int html_file_commit(struct out_file *out, int (*write)(FILE *f, const void *ctx), const void *ctx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return sonde_fail(SONDE_EXIT_SYSTEM, "out of memory writing %s",
				  out_file_path(out));
	err = write(f, ctx);
	/* fclose() leaves the page, NUL-terminated, in buf (open_memstream). */
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err)
		err = sonde_fail(SONDE_EXIT_SYSTEM, "cannot write the HTML report %s: %s",
				 out_file_path(out), strerror(-err));
	else
		err = out_file_commit(out, buf, len);
	free(buf);
	return err;
}
