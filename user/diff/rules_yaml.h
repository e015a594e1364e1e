/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sonde rules' output: a Prometheus rule file (YAML, `groups:` with one
 * group) from the model of user/diff/rules.h, over the exporter's metrics
 * (sonde_function_duration_seconds, sonde_rss_bytes, sonde_heap_live_bytes).
 *
 * Names go into three languages at once, each escaped for its own rules:
 * the name as sonde shows it (safe_text.h: no control characters), in a
 * PromQL string ('\' and '"' escaped) in a YAML literal block (verbatim), and
 * in labels and annotations, which Prometheus expands as Go templates ("{{"
 * written as a template that prints it) in YAML double-quoted strings.
 */
#ifndef SONDE_RULES_YAML_H
#define SONDE_RULES_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "diff/rules.h"

struct rules_yaml_opts {
	const char *group; /* the group's name */
	__u64 window_ns;   /* the range of rate() and deriv() */
	__u64 for_ns;	   /* how long an alert is pending before it fires */
	bool native;	   /* native histograms (Prometheus --enable-feature=native-histograms) */
	const char *by;	   /* more labels to aggregate latency by ("instance"), or NULL */
	const char *const *files; /* the baselines, for the annotations */
	size_t nr_files;
};

/* The rule file on f. 0, -EIO when writing failed, or a sonde_fail() code
 * (exit 2) for a window or a for: that is not whole milliseconds. */
int rules_yaml_write(FILE *f, const struct rule_set *s, const struct rules_yaml_opts *o);

/* "sonde-" and the file's name without its directory and ".sonde[.gz]" (or
 * its last extension), into buf. */
const char *rules_group_name(const char *file, char *buf, size_t len);

/* A Prometheus duration ("5m", "90s", "1500ms") into buf; -EINVAL when ns
 * is not whole milliseconds. */
int rules_prom_duration(__u64 ns, char *buf, size_t len);

/* --by: a comma-separated list of label names, none of them sonde's own
 * (function, object, le); 0 or -EINVAL. */
int rules_check_by(const char *by);

#endif
