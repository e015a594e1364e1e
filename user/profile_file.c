// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <jansson.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"
#include "mem_profile_json.h"
#include "out_file.h"
#include "profile_file.h"
#include "report.h"
#include "util.h"

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
			 "version", SONDE_PROFILE_VERSION, "kind", "lat", "main_object",
			 p->main_object ? p->main_object : "", "meta", run_meta_json(m), "report",
			 lat_profile_json(p));
}

static json_t *mem_json(const struct mem_profile *p, size_t top, const struct run_meta *m)
{
	return json_pack("{s:s, s:i, s:s, s:I, s:o, s:o}", "format", SONDE_PROFILE_FORMAT,
			 "version", SONDE_PROFILE_VERSION, "kind", "mem", "top", (json_int_t)top,
			 "meta", run_meta_json(m), "model", mem_profile_to_json(p));
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

static int read_hist(json_t *arr, __u64 *hist)
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

static int read_u64(json_t *o, const char *key, __u64 *out, bool required)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return required ? -1 : 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (__u64)json_integer_value(v);
	return 0;
}

static int read_function(struct lat_profile *p, json_t *o, struct func_result *f)
{
	json_t *obj = json_object_get(o, "object"), *name = json_object_get(o, "name");
	json_t *mangled = json_object_get(o, "mangled");

	if (!json_is_string(obj) || !json_is_string(name) || (mangled && !json_is_string(mangled)))
		return -1;
	/* Files written before names had it have none: functions pair by name alone. */
	if (mangled && !(f->mangled = lat_profile_own(p, json_string_value(mangled))))
		return -1;
	f->object = lat_profile_own(p, json_string_value(obj));
	f->name = lat_profile_own(p, json_string_value(name));
	/* Go functions have no scheduler split (written only as false). */
	f->no_split = json_is_false(json_object_get(o, "sched_split"));
	if (!f->object || !f->name)
		return -1;
	if (read_u64(o, "calls", &f->calls, true) || read_u64(o, "total_ns", &f->total_ns, true) ||
	    read_u64(o, "self_ns", &f->self_ns, true) || read_u64(o, "min_ns", &f->min_ns, true) ||
	    read_u64(o, "max_ns", &f->max_ns, true) ||
	    read_u64(o, "oncpu_ns", &f->oncpu_ns, false) ||
	    read_u64(o, "runq_ns", &f->runq_ns, false) ||
	    read_u64(o, "blocked_ns", &f->blocked_ns, false) ||
	    read_u64(o, "error_ns", &f->error_ns, false))
		return -1;
	if (read_hist(json_object_get(o, "hist"), f->hist))
		return -1;
	if (json_object_get(o, "offcpu_hist") &&
	    read_hist(json_object_get(o, "offcpu_hist"), f->offcpu_hist))
		return -1;
	return hist_total(f->hist) == f->calls ? 0 : -1;
}

static int read_calibration(json_t *c, struct lat_profile *p)
{
	json_t *w = json_object_get(c, "window_ns"), *k = json_object_get(c, "call_ns");
	int i;

	if (!c)
		return 0;
	p->corrected = json_is_true(json_object_get(c, "corrected"));
	for (i = 0; i < 2; i++) {
		json_t *wi = json_array_get(w, i), *ki = json_array_get(k, i);

		if (!json_is_integer(wi) || !json_is_integer(ki))
			return -1;
		p->calib_window_ns[i] = (__u64)json_integer_value(wi);
		p->calib_call_ns[i] = (__u64)json_integer_value(ki);
	}
	return 0;
}

static int read_lat(const char *path, json_t *root, struct lat_profile **out)
{
	json_t *rep = json_object_get(root, "report"), *funcs, *drops, *threads, *v;
	struct lat_profile *p;
	const char *main_obj;
	size_t i;
	int d;

	funcs = json_object_get(rep, "functions");
	if (!json_is_object(rep) || !json_is_array(funcs))
		return sonde_fail(SONDE_EXIT_INPUT, "'%s' is corrupt: no report.functions", path);
	if (!json_array_size(funcs))
		return sonde_fail(SONDE_EXIT_INPUT,
				  "'%s' is an empty profile: no function was traced", path);
	p = lat_profile_new(json_array_size(funcs));
	if (!p)
		return -ENOMEM;
	p->final = true;
	main_obj = json_string_value(json_object_get(root, "main_object"));
	p->main_object = main_obj && *main_obj ? lat_profile_own(p, main_obj) : NULL;
	p->sched = json_is_true(json_object_get(rep, "sched"));
	if (read_calibration(json_object_get(rep, "calibration"), p))
		goto corrupt;
	if (read_u64(rep, "duration_ns", &p->duration_ns, true) ||
	    read_u64(rep, "sched_resyncs", &p->sched_resyncs, false))
		goto corrupt;
	threads = json_object_get(rep, "threads");
	if (threads && (read_u64(threads, "tracked", &p->threads_tracked, false) ||
			read_u64(threads, "freed", &p->threads_freed, false)))
		goto corrupt;
	drops = json_object_get(rep, "drops");
	for (d = 0; d < SONDE_DROP__COUNT; d++)
		if (drops && read_u64(drops, drop_name(d), &p->drops[d], false))
			goto corrupt;
	json_array_foreach(funcs, i, v)
	{
		if (read_function(p, v, &p->funcs[i])) {
			lat_profile_free(p);
			return sonde_fail(SONDE_EXIT_INPUT,
					  "'%s' is corrupt: report.functions[%zu] is malformed",
					  path, i);
		}
	}
	*out = p;
	return 0;
corrupt:
	lat_profile_free(p);
	return sonde_fail(SONDE_EXIT_INPUT, "'%s' is corrupt: malformed report header", path);
}

static int read_mem(const char *path, json_t *root, struct sonde_profile *sp)
{
	json_t *top = json_object_get(root, "top");

	sp->mem = mem_profile_from_json(json_object_get(root, "model"));
	if (!sp->mem)
		return sonde_fail(SONDE_EXIT_INPUT, "'%s' is corrupt: malformed memory model",
				  path);
	if (!sp->mem->nr_stacks)
		return sonde_fail(SONDE_EXIT_INPUT,
				  "'%s' is an empty profile: no allocation was traced", path);
	sp->mem_top = json_is_integer(top) && json_integer_value(top) > 0
			  ? (size_t)json_integer_value(top)
			  : 10;
	return 0;
}

static int check_header(const char *path, json_t *root, enum profile_kind *kind)
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
	if (json_integer_value(version) != SONDE_PROFILE_VERSION)
		return sonde_fail(
		    SONDE_EXIT_INPUT,
		    "'%s' has profile format version %lld; this sonde reads version %d", path,
		    (long long)json_integer_value(version), SONDE_PROFILE_VERSION);
	if (k && !strcmp(k, "lat"))
		*kind = PROFILE_LAT;
	else if (k && !strcmp(k, "mem"))
		*kind = PROFILE_MEM;
	else
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
	err = check_header(path, root, &sp->kind);
	if (!err) {
		sp->meta = run_meta_from_json(json_object_get(root, "meta"));
		if (!sp->meta)
			err = sonde_fail(SONDE_EXIT_INPUT, "'%s' is corrupt: malformed meta", path);
	}
	if (!err && sp->kind == PROFILE_LAT)
		err = read_lat(path, root, &sp->lat);
	if (!err && sp->kind == PROFILE_MEM)
		err = read_mem(path, root, sp);
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
	lat_profile_free(p->lat);
	mem_profile_free(p->mem);
	free(p);
}
