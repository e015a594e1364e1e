// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <jansson.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include "out/lat_json.h"
#include "out/mem_json.h"
#include "out/out_file.h"
#include "out/profile_file.h"
#include "out/profile_kind.h"
#include "core/util.h"

/* The text into `out` and in place; a text sonde itself could not read back is said. */
static int save_json(struct out_file *out, json_t *root)
{
	char *text, limit[32];
	size_t len;
	int err;

	if (!root)
		return -ENOMEM;
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return -ENOMEM;
	len = strlen(text);
	if (len > SONDE_PROFILE_MAX_BYTES) {
		snprintf(limit, sizeof(limit), "%d MiB", SONDE_PROFILE_MAX_BYTES >> 20);
		fprintf(
		    stderr,
		    "sonde: note: the profile is %zu MiB, more than sonde report and sonde diff "
		    "read (%s); written all the same\n",
		    len >> 20, limit);
	}
	err = out_file_commit(out, text, len);
	free(text);
	return err;
}

static json_t *lat_json(const struct lat_profile *p, const struct run_meta *m)
{
	return json_pack("{s:s, s:i, s:s, s:s, s:o, s:o}", "format", SONDE_PROFILE_FORMAT,
			 "version", p->tree ? SONDE_PROFILE_VERSION : SONDE_PROFILE_VERSION_NO_TREE,
			 "kind", "lat", "main_object", p->main_object ? p->main_object : "", "meta",
			 run_meta_json(m), "report", lat_profile_json(p));
}

/*
 * "report" is what sonde mem --json printed as its final report, as a lat
 * file's is; "model" and "top" are what sonde report and sonde diff read back.
 */
static json_t *mem_json(const struct mem_profile *p, size_t top, const struct run_meta *m)
{
	return json_pack("{s:s, s:i, s:s, s:I, s:o, s:o, s:o}", "format", SONDE_PROFILE_FORMAT,
			 "version", SONDE_PROFILE_VERSION_NO_TREE, "kind", "mem", "top",
			 (json_int_t)top, "meta", run_meta_json(m), "report",
			 mem_report_to_json(p, top), "model", mem_profile_to_json(p));
}

int profile_save_lat(struct out_file *out, const struct lat_profile *p, const struct run_meta *m)
{
	return save_json(out, lat_json(p, m));
}

int profile_save_mem(struct out_file *out, const struct mem_profile *p, size_t top,
		     const struct run_meta *m)
{
	return save_json(out, mem_json(p, top, m));
}

int profile_write_lat(const char *path, const struct lat_profile *p, const struct run_meta *m)
{
	struct out_file *out = NULL;
	int err = out_file_open(path, &out);

	if (!err)
		err = profile_save_lat(out, p, m);
	out_file_close(out);
	return err;
}

int profile_write_mem(const char *path, const struct mem_profile *p, size_t top,
		      const struct run_meta *m)
{
	struct out_file *out = NULL;
	int err = out_file_open(path, &out);

	if (!err)
		err = profile_save_mem(out, p, top, m);
	out_file_close(out);
	return err;
}

/* The whole file, decompressed when it is gzip; a bad one is the user's to fix. */
static int read_text(const char *path, char **out, size_t *len)
{
	char why[128];
	int err;

	err = read_whole_file(path, SONDE_PROFILE_MAX_BYTES, out, len, why, sizeof(why));
	if (err == -EIO)
		return sonde_fail(SONDE_EXIT_INPUT, "'%s' is truncated or corrupt (%s)", path, why);
	if (err == -ESPIPE)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "'%s' is not a regular file (it is %s); give a profile written "
				  "by sonde lat -o FILE or sonde mem -o FILE",
				  path, why);
	if (err == -EFBIG)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "'%s' %s, the most sonde reads: not a sonde profile", path, why);
	if (err)
		return sonde_fail(SONDE_EXIT_INPUT, "cannot open '%s': %s", path, strerror(-err));
	return 0;
}

static int check_header(const char *path, json_t *root, const struct profile_kind_ops **kind)
{
	json_t *format = json_object_get(root, "format"),
	       *version = json_object_get(root, "version");
	const char *k = json_string_value(json_object_get(root, "kind"));

	if (!json_is_string(format) || strcmp(json_string_value(format), SONDE_PROFILE_FORMAT))
		return sonde_fail(
		    SONDE_EXIT_INPUT,
		    "'%s' is not a sonde profile (write one with: sonde lat -o FILE ...)", path);
	if (!json_is_integer(version))
		return sonde_fail(SONDE_EXIT_INPUT, "'%s' is corrupt: no format version", path);
	if (json_integer_value(version) < SONDE_PROFILE_VERSION_MIN ||
	    json_integer_value(version) > SONDE_PROFILE_VERSION)
		return sonde_fail(
		    SONDE_EXIT_INPUT,
		    "'%s' has profile format version %lld; this sonde reads versions %d to %d",
		    path, (long long)json_integer_value(version), SONDE_PROFILE_VERSION_MIN,
		    SONDE_PROFILE_VERSION);
	*kind = k ? profile_kind_named(k) : NULL;
	if (!*kind)
		return sonde_fail(SONDE_EXIT_INPUT, "'%s' holds a profile of unknown kind '%s'",
				  path, k ? k : "(none)");
	return 0;
}

/*
 * jansson's allocations while it parses one profile, counted: its tree takes
 * 5 to 20 times the text (20 for "[0,0,...]"), so the text's limit alone
 * would let a small file take gigabytes. Set only around json_loadb().
 */
static size_t parse_bytes;
static bool parse_over_budget;

static void *parse_malloc(size_t n)
{
	void *p;

	if (n > SONDE_PROFILE_MAX_PARSE_BYTES - parse_bytes) {
		parse_over_budget = true;
		return NULL;
	}
	p = malloc(n);
	if (p)
		parse_bytes += malloc_usable_size(p);
	return p;
}

static void parse_free(void *p)
{
	size_t n = p ? malloc_usable_size(p) : 0;

	parse_bytes -= n < parse_bytes ? n : parse_bytes;
	free(p);
}

static json_t *parse_bounded(const char *path, const char *text, size_t len)
{
	json_malloc_t old_malloc;
	json_free_t old_free;
	json_error_t jerr;
	json_t *root;

	json_get_alloc_funcs(&old_malloc, &old_free);
	parse_bytes = 0;
	parse_over_budget = false;
	json_set_alloc_funcs(parse_malloc, parse_free);
	root = json_loadb(text, len, 0, &jerr);
	/* The tree is freed later with free(): both hooks are malloc's. */
	json_set_alloc_funcs(old_malloc, old_free);
	if (!root && parse_over_budget)
		sonde_fail(SONDE_EXIT_INPUT,
			   "'%s' needs more than %d GiB of memory to parse, the most sonde gives a "
			   "profile: not a sonde profile",
			   path, SONDE_PROFILE_MAX_PARSE_BYTES >> 30);
	else if (!root)
		sonde_fail(SONDE_EXIT_INPUT,
			   "'%s' is not a sonde profile, or is truncated (JSON: %s, line %d)", path,
			   jerr.text, jerr.line);
	return root;
}

int profile_read(const char *path, struct sonde_profile **out)
{
	const struct profile_kind_ops *kind = NULL;
	struct sonde_profile *sp = NULL;
	json_t *root = NULL;
	char *text = NULL;
	size_t len = 0;
	int err;

	err = read_text(path, &text, &len);
	if (err)
		return err;
	root = parse_bounded(path, text, len);
	free(text);
	if (!root)
		return -SONDE_EXIT_INPUT;
	sp = calloc(1, sizeof(*sp));
	if (!sp) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = check_header(path, root, &kind);
	if (!err) {
		sp->kind = kind->kind;
		sp->meta = run_meta_from_json(json_object_get(root, "meta"));
		if (!sp->meta)
			err = sonde_fail(SONDE_EXIT_INPUT, "'%s' is corrupt: malformed meta", path);
	}
	if (!err)
		err = kind->read(path, root, sp);
cleanup:
	json_decref(root);
	if (err) {
		sonde_profile_free(sp);
		return err;
	}
	*out = sp;
	return 0;
}

void sonde_profile_free(struct sonde_profile *p)
{
	if (!p)
		return;
	run_meta_free(p->meta);
	profile_kind_of(p->kind)->free(p);
	free(p);
}
