// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "out/csv.h"

/* One field, quoted when it holds a comma, a quote or a line break (RFC 4180 2.6-2.7). */
static void put_field(FILE *f, const char *s, bool first)
{
	if (!first)
		fputc(',', f);
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Whether v is a column: a scalar, or an array of strings only (an empty
 * array says nothing of what it holds: another row's may be of objects). */
static bool is_column(json_t *v)
{
	json_t *e;
	size_t i;

	if (json_is_object(v))
		return false;
	if (!json_is_array(v))
		return true;
	json_array_foreach(v, i, e)
		if (!json_is_string(e))
			return false;
	return json_array_size(v) > 0;
}

/* A value as the JSON writes it (numbers, true/false), strings bare, null empty. */
static void put_value(FILE *f, json_t *v, bool first)
{
	char *text = NULL;
	size_t len = 0, i;
	json_t *e;

	if (!v || json_is_null(v)) {
		put_field(f, "", first);
		return;
	}
	if (json_is_string(v)) {
		put_field(f, json_string_value(v), first);
		return;
	}
	if (json_is_array(v) && !is_column(v)) {
		put_field(f, "", first); /* a column of strings, none in this row's */
		return;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			len += strlen(json_string_value(e)) + 1;
		text = calloc(len + 1, 1);
		json_array_foreach(v, i, e)
		{
			if (!text)
				break;
			if (i)
				strcat(text, ";");
			strcat(text, json_string_value(e));
		}
		put_field(f, text ? text : "", first);
		free(text);
		return;
	}
	text = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
	put_field(f, text ? text : "", first);
	free(text);
}

/* The columns of the rows: each member that is one, in the order first seen. */
static json_t *row_columns(json_t *rows)
{
	json_t *cols = json_array(), *seen = json_object(), *row, *v;
	const char *key;
	size_t i;

	json_array_foreach(rows, i, row)
	{
		json_object_foreach(row, key, v)
		{
			if (!is_column(v) || json_object_get(seen, key))
				continue;
			json_object_set_new(seen, key, json_true());
			json_array_append_new(cols, json_string(key));
		}
	}
	json_decref(seen);
	return cols;
}

int csv_write(FILE *f, json_t *root, const struct csv_shape *shape, bool *header_done)
{
	json_t *rows = json_object_get(root, shape->rows), *cols, *row, *c;
	const char *const *k;
	size_t i, j;
	int err = 0;

	if (!json_is_array(rows)) {
		json_decref(root);
		return -ENOMEM;
	}
	cols = row_columns(rows);
	if (!cols) {
		json_decref(root);
		return -ENOMEM;
	}
	/* Not before there are rows: the columns are theirs (a run's first
	 * interval may have no stack yet). */
	if (!*header_done && json_array_size(rows)) {
		*header_done = true;
		for (k = shape->context; *k; k++)
			put_field(f, *k, k == shape->context);
		json_array_foreach(cols, j, c)
			put_field(f, json_string_value(c), !j && !*shape->context);
		fputs("\r\n", f);
	}
	json_array_foreach(rows, i, row)
	{
		for (k = shape->context; *k; k++)
			put_value(f, json_object_get(root, *k), k == shape->context);
		json_array_foreach(cols, j, c)
			put_value(f, json_object_get(row, json_string_value(c)),
				  !j && !*shape->context);
		fputs("\r\n", f);
	}
	if (fflush(f) || ferror(f))
		err = -EIO;
	json_decref(cols);
	json_decref(root);
	return err;
}
