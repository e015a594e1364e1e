/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The self-contained HTML report (sonde report FILE --html OUT.html, and
 * sonde diff's): one file with its style, script and charts inline (SVG), so
 * it opens with no network. Tables read with JavaScript off; the script only
 * sorts them. Every string from a profile goes through html_puts().
 *
 * html_write_profile() is the page of a lat or mem profile; the pieces below
 * it are what other pages (user/diff/diff_html.c) are built of.
 */
#ifndef SONDE_HTML_H
#define SONDE_HTML_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "out/out_file.h"
#include "out/run_meta.h"
#include "out/sonde_profile.h"

/* The whole page of a profile, of either kind; 0, -ENOMEM or -EIO. */
int html_write_profile(FILE *f, const struct sonde_profile *p);

/* A page into `out` (opened with out_file_open() before the work): write(f, ctx)
 * into memory, then out_file_commit(). 0, or a reported error. */
int html_file_commit(struct out_file *out, int (*write)(FILE *f, const void *ctx), const void *ctx);

/* The profile page for html_file_commit(): ctx is a const struct sonde_profile *. */
int html_write_profile_ctx(FILE *f, const void *ctx);

/* ---- pieces of a page ------------------------------------------------------ */

/* s as HTML text or attribute value: control characters and bad UTF-8 escaped
 * as the terminal shows them (safe_text.h), then & < > " ' as entities. */
void html_puts(FILE *f, const char *s);

/* <!DOCTYPE> to the opening of <body>, and the header: h1 `title`, then what
 * each run was (`labels[i]` before each meta's rows when there are several). */
void html_page_begin(FILE *f, const char *title, const struct run_meta *const *metas,
		     const char *const *labels, size_t nr_metas);
/* The footer, the script, </html>; 0, or -EIO when anything failed to write. */
int html_page_end(FILE *f);

/* A function's name as the tables show it: "libx.so:name" outside main_object. */
void html_func_name(FILE *f, const char *object, const char *name, const char *main_object);

/* <tag attrs><li>item</li>...</tag>, each item escaped; attrs "" or e.g. " start=\"0\"". */
void html_list(FILE *f, const char *tag, const char *attrs, const char *const *items, size_t n);

/* A <td class="n"> with data-v = v (for sorting) and text. */
void html_td_num(FILE *f, double v, const char *text);

/* The buckets one or more histograms are drawn over: the same scale, so that
 * charts side by side compare by eye. */
struct html_hist_scale {
	int first, last; /* bucket range, first a multiple of group */
	int group;	 /* buckets per bar */
	__u64 max_count; /* the tallest bar of all */
};
/* 0, or -1 when every histogram is empty. */
int html_hist_scale(struct html_hist_scale *s, const __u64 *const *hists, size_t n);

struct html_hist {
	const __u64 *hist;
	__u64 min_ns, max_ns;  /* clamps of the percentiles (hist_quantile()) */
	const char *label;     /* above the chart: "base", "new"; NULL: none */
	const char *bar_class; /* "bar" or "bar base" */
};
/* An <svg> of the histogram's bars on the scale, with p50, p90 and p99 marked. */
void html_hist_svg(FILE *f, const struct html_hist *h, const struct html_hist_scale *s);

/* A line chart of y over x, its area filled, the y axis from 0 (or below,
 * for negative values) to the largest value; NAN in y is a gap. */
struct html_line {
	const double *x, *y;
	size_t n;
	const char *(*fmt_y)(char *buf, size_t len, double v); /* the axis's and dots' text */
	const char *x_first, *x_last;			       /* under the axis's two ends */
	bool dots;	     /* a dot at each value, which names it on hover */
	const size_t *marks; /* indexes of values marked by a vertical line */
	size_t nr_marks;
};
void html_line_svg(FILE *f, const struct html_line *l);

/* The flame-graph section of a profile's page (user/out/html_flame.c); 0 or -EIO. */
int html_write_flame(FILE *f, const struct sonde_profile *p);

/* Each kind's page body (user/out/html_lat.c, html_mem.c). */
void html_lat_body(FILE *f, const struct sonde_profile *p);
void html_mem_body(FILE *f, const struct sonde_profile *p);

#endif
