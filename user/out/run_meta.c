// SPDX-License-Identifier: GPL-2.0
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include "probe/elf_syms.h"
#include "out/run_meta.h"

static char *join_args(int argc, char **argv)
{
	size_t len = 1, used = 0;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	for (i = 0; s && i < argc; i++)
		used += snprintf(s + used, len - used, "%s%s", i ? " " : "", argv[i]);
	return s;
}

const char *sonde_version(void)
{
	return SONDE_VERSION;
}

int run_meta_add_object(struct run_meta *m, const char *path)
{
	struct run_object *v;
	char id[128];
	size_t i;

	for (i = 0; i < m->nr_objects; i++)
		if (!strcmp(m->objects[i].path, path))
			return 0;
	v = realloc(m->objects, (m->nr_objects + 1) * sizeof(*v));
	if (!v)
		return -1;
	m->objects = v;
	v[m->nr_objects].path = strdup(path);
	v[m->nr_objects].build_id = elf_build_id(path, id, sizeof(id)) ? NULL : strdup(id);
	m->nr_objects++;
	return 0;
}

struct run_meta *run_meta_collect(const struct target *t, const struct probe_set *set, int argc,
				  char **argv)
{
	struct run_meta *m = calloc(1, sizeof(*m));
	struct timespec ts;
	struct utsname u;
	size_t i;
	int n = 0;

	if (!m)
		return NULL;
	m->sonde_version = strdup(sonde_version());
	if (!uname(&u)) {
		m->host = strdup(u.nodename);
		m->kernel = strdup(u.release);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	m->start_unix_ns = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	if (t->cmd) {
		while (t->cmd[n])
			n++;
		m->command = join_args(n, t->cmd);
	}
	if (t->binary)
		m->binary = strdup(t->binary);
	if (!t->child_started) {
		m->nr_pids = t->nr_pids;
		memcpy(m->pids, t->pids, sizeof(m->pids));
	}
	{
		char *args = join_args(argc, argv);
		size_t len = args ? strlen(args) + 7 : 0;

		m->options = args ? malloc(len) : NULL;
		if (m->options)
			snprintf(m->options, len, "sonde %s", args);
		free(args);
	}
	for (i = 0; set && i < set->nr; i++)
		run_meta_add_object(m, set->sites[i].object);
	return m;
}

void run_meta_free(struct run_meta *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nr_objects; i++) {
		free(m->objects[i].path);
		free(m->objects[i].build_id);
	}
	free(m->objects);
	free(m->sonde_version);
	free(m->host);
	free(m->kernel);
	free(m->command);
	free(m->binary);
	free(m->options);
	free(m);
}

static void set_str(json_t *o, const char *key, const char *val)
{
	if (val)
		json_object_set_new(o, key, json_string(val));
}

json_t *run_meta_json(const struct run_meta *m)
{
	json_t *o = json_object(), *objs = json_array(), *pids = json_array();
	size_t i;

	if (!o || !objs || !pids) {
		json_decref(o);
		json_decref(objs);
		json_decref(pids);
		return NULL;
	}
	set_str(o, "sonde_version", m->sonde_version);
	set_str(o, "host", m->host);
	set_str(o, "kernel", m->kernel);
	json_object_set_new(o, "start_unix_ns", json_integer((json_int_t)m->start_unix_ns));
	set_str(o, "command", m->command);
	set_str(o, "binary", m->binary);
	for (i = 0; i < (size_t)m->nr_pids; i++)
		json_array_append_new(pids, json_integer(m->pids[i]));
	json_object_set_new(o, "pids", pids);
	set_str(o, "options", m->options);
	for (i = 0; i < m->nr_objects; i++) {
		json_t *obj = json_object();

		const char *deleted = target_object_shown(m->objects[i].path);

		set_str(obj, "path", deleted ? deleted : object_shown_path(m->objects[i].path));
		set_str(obj, "build_id", m->objects[i].build_id);
		json_array_append_new(objs, obj);
	}
	json_object_set_new(o, "objects", objs);
	return o;
}

/* A copy of an optional string member; false when present but not a string. */
static bool get_str(json_t *o, const char *key, char **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v)
		return true;
	if (!json_is_string(v))
		return false;
	*out = strdup(json_string_value(v));
	return *out != NULL;
}

struct run_meta *run_meta_from_json(json_t *o)
{
	struct run_meta *m = calloc(1, sizeof(*m));
	json_t *objs, *pids, *v;
	size_t i;
	bool ok;

	if (!m || !json_is_object(o))
		goto fail;
	ok = get_str(o, "sonde_version", &m->sonde_version) && get_str(o, "host", &m->host) &&
	     get_str(o, "kernel", &m->kernel) && get_str(o, "command", &m->command) &&
	     get_str(o, "binary", &m->binary) && get_str(o, "options", &m->options);
	if (!ok)
		goto fail;
	v = json_object_get(o, "start_unix_ns");
	m->start_unix_ns = json_is_integer(v) ? (__u64)json_integer_value(v) : 0;
	pids = json_object_get(o, "pids");
	json_array_foreach(pids, i, v)
	{
		if (!json_is_integer(v) || m->nr_pids == SONDE_MAX_PIDS)
			goto fail;
		m->pids[m->nr_pids++] = (int)json_integer_value(v);
	}
	objs = json_object_get(o, "objects");
	if (objs && !json_is_array(objs))
		goto fail;
	m->objects = calloc(json_array_size(objs) + 1, sizeof(*m->objects));
	if (!m->objects)
		goto fail;
	json_array_foreach(objs, i, v)
	{
		struct run_object *ro = &m->objects[m->nr_objects];

		if (!get_str(v, "path", &ro->path) || !ro->path)
			goto fail;
		m->nr_objects++;
		if (!get_str(v, "build_id", &ro->build_id))
			goto fail;
	}
	return m;
fail:
	run_meta_free(m);
	return NULL;
}
