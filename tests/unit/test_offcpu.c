// SPDX-License-Identifier: GPL-2.0
/*
 * --offcpu-stacks in user space: the traced function's frame put where the
 * frame-pointer walk misses it, stacks merged by function and frames, the
 * terminal section, and the JSON array written and read back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "lat/lat_offcpu.h"
#include "out/lat_json.h"
#include "out/lat_report.h"

static void assert_frames(char **v, size_t nr, const char *const *want, size_t want_nr)
{
	size_t i;

	assert_int_equal(nr, want_nr);
	for (i = 0; i < nr; i++)
		assert_string_equal(v[i], want[i]);
}

static void free_frames(char **v, size_t nr)
{
	while (nr)
		free(v[--nr]);
	free(v);
}

static void test_frame_is(void **state)
{
	(void)state;
	assert_true(lat_offcpu_frame_is("db_query+0x1c", "db_query"));
	assert_true(lat_offcpu_frame_is("db_query", "db_query"));
	assert_false(lat_offcpu_frame_is("db_query2+0x1c", "db_query"));
	assert_false(lat_offcpu_frame_is("db_que", "db_query"));
	assert_false(lat_offcpu_frame_is("(mysvc+0x1c)", "db_query"));
}

static void test_frames_insert(void **state)
{
	/* nanosleep's caller (sleep_2ms) is in no frame the walk visits. */
	const char *missed[] = {"clock_nanosleep+0x23", "two_naps+0x20", "main+0x9d"};
	const char *missed_want[] = {"clock_nanosleep+0x23", "sleep_2ms", "two_naps+0x20",
				     "main+0x9d"};
	const char *found[] = {"read+0x12", "pq_recv+0x40", "db_query+0x1c", "main+0x9d"};
	const char *one[] = {"0x7fff12345678"};
	const char *one_want[] = {"0x7fff12345678", "spin"};
	const char *none_want[] = {"[no stack]", "db_query"};
	char **v;
	size_t nr;

	(void)state;
	assert_int_equal(lat_offcpu_frames("sleep_2ms", missed, 3, &v, &nr), 0);
	assert_frames(v, nr, missed_want, 4);
	free_frames(v, nr);
	/* There already (spinning in it, or above a leaf with a frame): kept as walked. */
	assert_int_equal(lat_offcpu_frames("db_query", found, 4, &v, &nr), 0);
	assert_frames(v, nr, found, 4);
	free_frames(v, nr);
	assert_int_equal(lat_offcpu_frames("spin", one, 1, &v, &nr), 0);
	assert_frames(v, nr, one_want, 2);
	free_frames(v, nr);
	assert_int_equal(lat_offcpu_frames("db_query", NULL, 0, &v, &nr), 0);
	assert_frames(v, nr, none_want, 2);
	free_frames(v, nr);
}

/* A stack of `fn`, frames copied. */
static struct lat_offcpu_stack stack_of(const char *fn, const char *const *frames, size_t nr,
					__u64 blocked, __u64 runq)
{
	struct lat_offcpu_stack s = {.object = "/usr/bin/svc", .name = fn, .nr = nr};
	size_t i;

	s.frames = calloc(nr, sizeof(*s.frames));
	assert_non_null(s.frames);
	for (i = 0; i < nr; i++)
		s.frames[i] = strdup(frames[i]);
	s.blocked_ns = blocked;
	s.runq_ns = runq;
	s.spans = 1;
	return s;
}

static const char *const recv_a[] = {"read+0x12", "pq_recv+0x40", "db_query+0x1c", "main+0x9d"};
static const char *const recv_b[] = {"read+0x12", "pq_recv+0x48", "db_query+0x1c", "main+0x9d"};
static const char *const lock[] = {"futex_wait+0x30", "db_query+0x60", "main+0x9d"};
static const char *const spin[] = {"spin+0x8", "main+0xa0"};

/* db_query: 870 blocked in read (two call sites of pq_recv), 100 in a lock; spin: 5 runq. */
static struct lat_profile *make_profile(bool merge)
{
	struct lat_profile *p = lat_profile_new(2);
	struct lat_offcpu_stack *v = calloc(5, sizeof(*v));
	size_t nr = 5;

	assert_non_null(p);
	assert_non_null(v);
	p->final = true;
	p->sched = true;
	p->offcpu = true;
	p->duration_ns = 1000000000ULL;
	p->funcs[0] = (struct func_result){.object = "/usr/bin/svc",
					   .name = "db_query",
					   .calls = 1,
					   .total_ns = 1000,
					   .self_ns = 1000,
					   .blocked_ns = 970,
					   .runq_ns = 5,
					   .oncpu_ns = 25};
	p->funcs[0].hist[sonde_bucket_of_ns(1000)] = 1;
	p->funcs[1] = (struct func_result){.object = "/usr/bin/svc",
					   .name = "spin",
					   .calls = 1,
					   .total_ns = 100,
					   .self_ns = 100,
					   .runq_ns = 5,
					   .oncpu_ns = 95};
	p->funcs[1].hist[sonde_bucket_of_ns(100)] = 1;
	v[0] = stack_of("spin", spin, 2, 0, 5);
	v[1] = stack_of("db_query", lock, 3, 100, 0);
	v[2] = stack_of("db_query", recv_a, 4, 400, 2);
	v[3] = stack_of("db_query", recv_b, 4, 470, 3);
	v[4] = stack_of("db_query", recv_a, 4, 0, 0);
	if (merge)
		lat_offcpu_merge(v, &nr);
	lat_profile_set_offcpu(p, v, nr);
	return p;
}

static void test_merge(void **state)
{
	struct lat_profile *p = make_profile(true);
	const struct lat_offcpu_stack *v = p->offcpu_stacks;

	(void)state;
	/* The two entries of recv_a merge; recv_b differs by an offset: its own. */
	assert_int_equal(p->nr_offcpu_stacks, 4);
	assert_string_equal(v[0].name, "db_query");
	assert_string_equal(v[0].frames[1], "pq_recv+0x48");
	assert_int_equal(v[0].blocked_ns, 470);
	assert_string_equal(v[1].frames[1], "pq_recv+0x40");
	assert_int_equal(v[1].blocked_ns, 400);
	assert_int_equal(v[1].spans, 2);
	assert_string_equal(v[2].frames[0], "futex_wait+0x30");
	assert_string_equal(v[3].name, "spin");
	lat_profile_free(p);
}

static char *render_term(const struct lat_profile *p)
{
	struct report_opts o = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	report_lat_term(f, p, &o);
	fclose(f);
	assert_non_null(buf);
	return buf;
}

static void test_term(void **state)
{
	struct lat_profile *p = make_profile(true);
	char *out = render_term(p);

	(void)state;
	assert_non_null(strstr(out, "\noff-CPU stacks"));
	assert_non_null(strstr(out, "\ndb_query: off the CPU 97.5% of its 1.00us "
				    "(blocked 97.0%, run queue 0.5%)\n"));
	/* The two call sites of pq_recv are one row by name: 87 % blocked in read. */
	assert_non_null(strstr(out, "\n    87.0% blocked    0.5% runq    875ns  "
				    "read < pq_recv < db_query < main\n"));
	assert_non_null(strstr(out, "    10.0% blocked    0.0% runq    100ns  "
				    "futex_wait < db_query < main\n"));
	assert_non_null(strstr(out, "\nspin: off the CPU 5.0% of its 100ns"));
	/* Heaviest first. */
	assert_true(strstr(out, "read < pq_recv") < strstr(out, "futex_wait <"));
	free(out);
	/* An interval has no stacks. */
	p->final = false;
	out = render_term(p);
	assert_null(strstr(out, "off-CPU stacks"));
	free(out);
	lat_profile_free(p);
}

static void test_json_round_trip(void **state)
{
	struct lat_profile *p = make_profile(true), *back = NULL;
	json_t *rep = lat_profile_json(p), *root, *arr, *s0;
	char *a, *b;

	(void)state;
	assert_non_null(rep);
	arr = json_object_get(rep, "offcpu_stacks");
	assert_int_equal(json_array_size(arr), 4);
	s0 = json_array_get(arr, 0);
	assert_string_equal(json_string_value(json_object_get(s0, "function")), "db_query");
	assert_string_equal(json_string_value(json_array_get(json_object_get(s0, "frames"), 1)),
			    "pq_recv");
	assert_string_equal(json_string_value(json_array_get(json_object_get(s0, "frames_at"), 1)),
			    "pq_recv+0x48");
	assert_int_equal(json_integer_value(json_object_get(s0, "offcpu_ns")), 473);
	assert_int_equal(json_integer_value(json_object_get(s0, "blocked_ns")), 470);
	assert_int_equal(json_integer_value(json_object_get(s0, "runq_ns")), 3);
	root = json_pack("{s:o}", "report", rep);
	assert_int_equal(lat_profile_from_json("t.sonde", root, &back), 0);
	assert_true(back->offcpu);
	assert_int_equal(back->nr_offcpu_stacks, 4);
	a = json_dumps(json_object_get(json_object_get(root, "report"), "offcpu_stacks"),
		       JSON_SORT_KEYS);
	rep = lat_profile_json(back);
	b = json_dumps(json_object_get(rep, "offcpu_stacks"), JSON_SORT_KEYS);
	assert_string_equal(a, b);
	free(a);
	free(b);
	json_decref(rep);
	/* A stack of a function the profile lacks: corrupt. */
	json_object_set_new(
	    json_array_get(json_object_get(json_object_get(root, "report"), "offcpu_stacks"), 0),
	    "function", json_string("nope"));
	lat_profile_free(back);
	back = NULL;
	assert_int_not_equal(lat_profile_from_json("t.sonde", root, &back), 0);
	json_decref(root);
	lat_profile_free(p);
}

static void test_copy_shares(void **state)
{
	struct lat_profile *p = make_profile(true), *c = lat_profile_new(2);

	(void)state;
	lat_profile_copy(c, p);
	assert_ptr_equal(c->offcpu_stacks, p->offcpu_stacks);
	lat_profile_free(c); /* frees nothing of p's */
	assert_string_equal(p->offcpu_stacks[0].frames[0], "read+0x12");
	lat_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frame_is),	    cmocka_unit_test(test_frames_insert),
	    cmocka_unit_test(test_merge),	    cmocka_unit_test(test_term),
	    cmocka_unit_test(test_json_round_trip), cmocka_unit_test(test_copy_shares),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
