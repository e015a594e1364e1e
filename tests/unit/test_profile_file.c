// SPDX-License-Identifier: GPL-2.0
/* Profile files: round trips (plain and gzip), and every way a file can be bad. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "fixture.h"
#include "out/profile_file.h"
#include "core/util.h"

static char dir[256];

static struct lat_profile *sample_profile(void)
{
	struct lat_profile *p = lat_profile_new(2);
	__u64 v;

	p->final = true;
	p->sched = true;
	p->main_object = "/opt/svc/bin/svc";
	p->duration_ns = 5000000000ULL;
	p->drops[SONDE_DROP_DEPTH] = 3;
	p->threads_tracked = p->threads_freed = 4;
	p->funcs[0].object = "/opt/svc/bin/svc";
	p->funcs[0].name = "svc::handle_request(int)";
	p->funcs[0].mangled = "_ZN3svc14handle_requestEi";
	p->funcs[1].object = "/usr/lib/x86_64-linux-gnu/libc.so.6";
	p->funcs[1].name = "malloc";
	for (v = 1000; v < 1100; v++) {
		p->funcs[0].hist[sonde_bucket_of_ns(v * 1000)]++;
		p->funcs[0].calls++;
		p->funcs[0].total_ns += v * 1000;
	}
	p->funcs[0].self_ns = p->funcs[0].total_ns / 2;
	p->funcs[0].min_ns = 1000000;
	p->funcs[0].max_ns = 1099000;
	p->funcs[0].blocked_ns = 123456;
	p->funcs[0].offcpu_hist[sonde_bucket_of_ns(1234)] = 100;
	p->funcs[1].calls = 1;
	p->funcs[1].total_ns = p->funcs[1].min_ns = p->funcs[1].max_ns = 80;
	p->funcs[1].hist[sonde_bucket_of_ns(80)] = 1;
	return p;
}

static struct run_meta *sample_meta(void)
{
	struct run_meta *m = calloc(1, sizeof(*m));

	m->sonde_version = strdup(SONDE_VERSION);
	m->host = strdup("testhost");
	m->options = strdup("sonde lat -o x handle_*");
	m->start_unix_ns = 1795000000000000000ULL;
	m->objects = calloc(1, sizeof(*m->objects));
	m->objects[0].path = strdup("/opt/svc/bin/svc");
	m->objects[0].build_id = strdup("0123456789abcdef");
	m->nr_objects = 1;
	return m;
}

static int write_sample(const char *path)
{
	struct lat_profile *p = sample_profile();
	struct run_meta *m = sample_meta();
	int err = profile_write_lat(path, p, m);

	lat_profile_free(p);
	run_meta_free(m);
	return err;
}

static void assert_same(const struct lat_profile *a, const struct lat_profile *b)
{
	size_t i;

	assert_int_equal(a->nr_funcs, b->nr_funcs);
	assert_int_equal(a->duration_ns, b->duration_ns);
	assert_int_equal(a->drops[SONDE_DROP_DEPTH], b->drops[SONDE_DROP_DEPTH]);
	assert_int_equal(a->threads_tracked, b->threads_tracked);
	assert_string_equal(a->main_object, b->main_object);
	for (i = 0; i < a->nr_funcs; i++) {
		assert_string_equal(a->funcs[i].name, b->funcs[i].name);
		assert_string_equal(a->funcs[i].object, b->funcs[i].object);
		if (a->funcs[i].mangled)
			assert_string_equal(a->funcs[i].mangled, b->funcs[i].mangled);
		else
			assert_null(b->funcs[i].mangled);
		assert_int_equal(a->funcs[i].calls, b->funcs[i].calls);
		assert_int_equal(a->funcs[i].total_ns, b->funcs[i].total_ns);
		assert_int_equal(a->funcs[i].self_ns, b->funcs[i].self_ns);
		assert_int_equal(a->funcs[i].min_ns, b->funcs[i].min_ns);
		assert_int_equal(a->funcs[i].max_ns, b->funcs[i].max_ns);
		assert_int_equal(a->funcs[i].blocked_ns, b->funcs[i].blocked_ns);
		assert_memory_equal(a->funcs[i].hist, b->funcs[i].hist, sizeof(a->funcs[i].hist));
		assert_memory_equal(a->funcs[i].offcpu_hist, b->funcs[i].offcpu_hist,
				    sizeof(a->funcs[i].offcpu_hist));
	}
}

static void round_trip(const char *name)
{
	struct lat_profile *want = sample_profile();
	struct sonde_profile *got = NULL;
	char path[512];

	fx_path(path, sizeof(path), dir, name);
	assert_int_equal(write_sample(path), 0);
	assert_int_equal(profile_read(path, &got), 0);
	assert_int_equal(got->kind, PROFILE_LAT);
	assert_same(want, got->lat);
	assert_string_equal(got->meta->host, "testhost");
	assert_int_equal(got->meta->nr_objects, 1);
	assert_string_equal(got->meta->objects[0].build_id, "0123456789abcdef");
	sonde_profile_free(got);
	lat_profile_free(want);
}

static void test_round_trip_plain(void **state)
{
	(void)state;
	round_trip("plain.sonde");
}

static void test_round_trip_gzip(void **state)
{
	char path[512], magic[2] = {0};
	FILE *f;

	(void)state;
	round_trip("packed.sonde.gz");
	f = fopen(fx_path(path, sizeof(path), dir, "packed.sonde.gz"), "rb");
	assert_non_null(f);
	assert_int_equal(fread(magic, 1, 2, f), 2);
	fclose(f);
	assert_int_equal((unsigned char)magic[0], 0x1f); /* gzip magic */
	assert_int_equal((unsigned char)magic[1], 0x8b);
}

static int read_silently(const char *path)
{
	struct sonde_profile *p = NULL;
	int err, saved = dup(2), null = open("/dev/null", O_WRONLY);

	dup2(null, 2);
	err = profile_read(path, &p);
	dup2(saved, 2);
	close(saved);
	close(null);
	sonde_profile_free(p);
	return err;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);

	assert_non_null(f);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static void write_bytes(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* Every prefix of a valid file is rejected with status 2, never accepted, never a crash. */
static void truncations(const char *name)
{
	char path[512], cut[512];
	size_t len, n;
	char *buf;

	fx_path(path, sizeof(path), dir, name);
	assert_int_equal(write_sample(path), 0);
	buf = slurp(path, &len);
	fx_path(cut, sizeof(cut), dir, strstr(name, ".gz") ? "cut.sonde.gz" : "cut.sonde");
	for (n = 0; n < len; n++) {
		write_bytes(cut, buf, n);
		if (read_silently(cut) != -SONDE_EXIT_INPUT)
			fail_msg("%s cut to %zu of %zu bytes was not rejected", name, n, len);
	}
	free(buf);
}

static void test_every_truncation_plain(void **state)
{
	(void)state;
	truncations("t.sonde");
}

static void test_every_truncation_gzip(void **state)
{
	(void)state;
	truncations("t.sonde.gz");
}

static void expect_rejected(const char *text, const char *why)
{
	char path[512];

	fx_path(path, sizeof(path), dir, "bad.sonde");
	assert_int_equal(fx_write(path, text), 0);
	if (read_silently(path) != -SONDE_EXIT_INPUT)
		fail_msg("accepted: %s", why);
}

static void test_bad_files(void **state)
{
	char path[512];

	(void)state;
	assert_int_equal(read_silently("/nonexistent/x.sonde"), -SONDE_EXIT_INPUT);
	expect_rejected("", "empty file");
	expect_rejected("hello", "not JSON");
	expect_rejected("{\"format\":\"other\",\"version\":1,\"kind\":\"lat\"}", "other format");
	expect_rejected("{\"format\":\"sonde-profile\",\"version\":99,\"kind\":\"lat\",\"meta\":{},"
			"\"report\":{\"duration_ns\":1,\"functions\":[]}}",
			"unknown version");
	expect_rejected("{\"format\":\"sonde-profile\",\"version\":1,\"kind\":\"lat\",\"meta\":{},"
			"\"report\":{\"duration_ns\":1,\"functions\":[]}}",
			"empty profile");
	expect_rejected("{\"format\":\"sonde-profile\",\"version\":1,\"kind\":\"cpu\",\"meta\":{},"
			"\"report\":{\"duration_ns\":1,\"functions\":[]}}",
			"unknown kind");
	/* A histogram whose counts do not add up to the calls. */
	expect_rejected("{\"format\":\"sonde-profile\",\"version\":1,\"kind\":\"lat\",\"meta\":{},"
			"\"report\":{\"duration_ns\":1,\"functions\":[{\"object\":\"/x\",\"name\":"
			"\"f\",\"calls\":2,\"total_ns\":2,\"self_ns\":2,\"min_ns\":1,\"max_ns\":1,"
			"\"hist\":[[1,1]]}]}}",
			"histogram and calls disagree");
	/* A bucket bound that is not one of ours. */
	expect_rejected(
	    "{\"format\":\"sonde-profile\",\"version\":1,\"kind\":\"lat\",\"meta\":{},"
	    "\"report\":{\"duration_ns\":1,\"functions\":[{\"object\":\"/x\",\"name\":"
	    "\"f\",\"calls\":1,\"total_ns\":33,\"self_ns\":33,\"min_ns\":33,\"max_ns\":33,"
	    "\"hist\":[[33,1]]}]}}",
	    "foreign bucket bound");
	fx_path(path, sizeof(path), dir, "dir.sonde");
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(read_silently(path), -SONDE_EXIT_INPUT);
}

/* A memory model: two stacks, three samples; everything survives the file. */
static void test_mem_round_trip(void **state)
{
	const char *frames[] = {"leak_block+0xf", "main+0x20"};
	struct mem_profile *p = mem_profile_new(8);
	struct run_meta *m = sample_meta();
	struct sonde_profile *got = NULL;
	struct mem_stack *s;
	char path[512];
	int t;

	(void)state;
	for (t = 0; t < 3; t++) {
		s = mem_profile_stack(p, 7);
		s->live_bytes = 1000 * (__u64)t;
		s->allocs = s->live_allocs = (__u64)t;
		mem_profile_sample(p, (__u64)t * 500000000ULL, true);
	}
	mem_stack_set_frames(mem_profile_stack(p, 7), frames, 2);
	s = mem_profile_stack(p, 9);
	s->mmap = true;
	s->allocs = s->frees = 4;
	mem_profile_update_growth(p);
	p->final = true;
	p->duration_ns = 1500000000ULL;
	p->rss_bytes = 123456;
	p->counts[0] = 42;
	p->drops[0] = 1;
	fx_path(path, sizeof(path), dir, "mem.sonde.gz");
	assert_int_equal(profile_write_mem(path, p, 5, m), 0);
	assert_int_equal(profile_read(path, &got), 0);
	assert_int_equal(got->kind, PROFILE_MEM);
	assert_int_equal(got->mem_top, 5);
	assert_int_equal(got->mem->nr_stacks, 2);
	assert_int_equal(got->mem->nr_samples, p->nr_samples);
	assert_int_equal(got->mem->rss_bytes, 123456);
	assert_int_equal(got->mem->counts[0], 42);
	assert_int_equal(got->mem->drops[0], 1);
	s = mem_profile_find(got->mem, 7);
	assert_non_null(s);
	assert_int_equal(s->nr_frames, 2);
	assert_string_equal(s->frames[0], "leak_block+0xf");
	assert_int_equal(s->live_bytes, 2000);
	assert_true(s->growth_bytes_per_s > 1999 && s->growth_bytes_per_s < 2001);
	assert_true(s->series[2] == 2000);
	assert_true(mem_profile_find(got->mem, 9)->mmap);
	sonde_profile_free(got);
	mem_profile_free(p);
	run_meta_free(m);
}

static int setup(void **state)
{
	(void)state;
	return fx_mkdtemp(dir, sizeof(dir));
}

static int teardown(void **state)
{
	(void)state;
	fx_rmtree(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_plain),
	    cmocka_unit_test(test_round_trip_gzip),
	    cmocka_unit_test(test_every_truncation_plain),
	    cmocka_unit_test(test_every_truncation_gzip),
	    cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_mem_round_trip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
