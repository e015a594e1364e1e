/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading sonde's own JSON back (profile files, for sonde report and diff):
 * members checked for type and range, so that a corrupt or foreign file is
 * refused instead of read as zeros. Each returns 0, or -1 for a member that is
 * not what sonde writes; *out is left alone then.
 */
#ifndef SONDE_JSON_READ_H
#define SONDE_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <linux/types.h>

/* o[key], a non-negative integer. Absent: -1 when required, else 0. */
int json_read_u64(json_t *o, const char *key, __u64 *out, bool required);
/* Members read alike: every one of them, or -1 at the first that fails. */
struct json_u64_member {
	const char *key;
	__u64 *out;
	bool required;
};
int json_read_u64s(json_t *o, const struct json_u64_member *m, size_t n);
/* o[key], any number; required. */
int json_read_double(json_t *o, const char *key, double *out);
/* o[key], an array of exactly n non-negative integers; required. */
int json_read_u64_array(json_t *o, const char *key, __u64 *out, size_t n);
/* o[key], a string, into buf (cut to len); "" when absent or not a string. */
void json_read_string(json_t *o, const char *key, char *buf, size_t len);
/* A histogram as written, [[lower_ns, count], ...], added into hist (SONDE_HIST_BUCKETS):
 * -1 for anything but pairs of non-negative integers whose lower bound is a bucket's. */
int json_read_hist(json_t *arr, __u64 *hist);

#endif
