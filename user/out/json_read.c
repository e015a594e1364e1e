// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "out/json_read.h"
#include "sonde/hist.h"

int json_read_u64(json_t *o, const char *key, __u64 *out, bool required)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return required ? -1 : 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (__u64)json_integer_value(v);
	return 0;
}

int json_read_u64s(json_t *o, const struct json_u64_member *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (json_read_u64(o, m[i].key, m[i].out, m[i].required))
			return -1;
	return 0;
}

int json_read_double(json_t *o, const char *key, double *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return -1;
	*out = json_number_value(v);
	return 0;
}

int json_read_u64_array(json_t *o, const char *key, __u64 *out, size_t n)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) != n)
		return -1;
	json_array_foreach(a, i, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return -1;
		out[i] = (__u64)json_integer_value(v);
	}
	return 0;
}

void json_read_string(json_t *o, const char *key, char *buf, size_t len)
{
	const char *v = json_string_value(json_object_get(o, key));

	snprintf(buf, len, "%s", v ? v : "");
}

int json_read_hist(json_t *arr, __u64 *hist)
{
	json_t *pair;
	size_t i;

	if (!json_is_array(arr))
		return -1;
	json_array_foreach(arr, i, pair)
	{
		json_t *lo = json_array_get(pair, 0), *cnt = json_array_get(pair, 1);
		json_int_t lower, count;
		__u32 b;

		if (json_array_size(pair) != 2 || !json_is_integer(lo) || !json_is_integer(cnt))
			return -1;
		lower = json_integer_value(lo);
		count = json_integer_value(cnt);
		if (lower < 0 || count < 0)
			return -1;
		b = sonde_bucket_of_ns((__u64)lower);
		/* A lower bound that is not a bucket's is not ours. */
		if (sonde_bucket_lower_ns(b) != (__u64)lower)
			return -1;
		hist[b] += (__u64)count;
	}
	return 0;
}
