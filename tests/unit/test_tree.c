// SPDX-License-Identifier: GPL-2.0
/*
 * lat --tree's model: the order reports show paths in, the sums the tree
 * keeps (the self times add up to the root's total), the terminal rows,
 * the folded stacks, and profile files (version 3 with a tree, read back
 * the same; bad trees refused).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include "fixture.h"
#include "out/lat_tree_folded.h"
#include "out/lat_tree_term.h"
#include "out/profile_file.h"
#include "core/util.h"

static char dir[256];

#define MAIN "/opt/svc/bin/svc"
#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"

static size_t node(struct lat_tree *t, size_t parent, const char *object, const char *name,
		   __u64 calls, __u64 total, __u64 self)
{
	size_t i = lat_tree_add(t, parent, object, name);

	assert_int_not_equal(i, LAT_TREE_ROOT);
	t->v[i].calls = calls;
	t->v[i].total_ns = total;
	t->v[i].self_ns = self;
	return i;
}

/*
 * serve (1000 ns) -> parse (300: 100 self + lex 200) and -> reply (500, a
 * malloc of 50 in it), and a second root, tick (100); one unused slot, as a
 * lost race leaves. Self: 200 + 100 + 200 + 450 + 50 + 100 = 1100 = 1000 + 100.
 */
static struct lat_profile *sample(void)
{
	struct lat_profile *p = lat_profile_new(5);
	struct lat_tree *t = calloc(1, sizeof(*t));
	size_t serve, parse, reply, i;
	const char *names[] = {"serve", "parse", "lex", "reply", "malloc"};

	assert_non_null(p);
	assert_non_null(t);
	p->final = true;
	p->main_object = MAIN;
	p->duration_ns = 1000000;
	for (i = 0; i < 5; i++) {
		p->funcs[i].object = i == 4 ? LIBC : MAIN;
		p->funcs[i].name = names[i];
		p->funcs[i].calls = 1;
		p->funcs[i].total_ns = p->funcs[i].min_ns = p->funcs[i].max_ns = 100;
		p->funcs[i].hist[sonde_bucket_of_ns(100)] = 1;
	}
	serve = node(t, LAT_TREE_ROOT, MAIN, "serve", 10, 1000, 200);
	parse = node(t, serve, MAIN, "parse", 10, 300, 100);
	lat_tree_add(t, LAT_TREE_ROOT, NULL, NULL); /* unused */
	reply = node(t, serve, MAIN, "reply", 10, 500, 450);
	node(t, parse, MAIN, "lex", 20, 200, 200);
	node(t, reply, LIBC, "malloc", 10, 50, 50);
	node(t, LAT_TREE_ROOT, MAIN, "tick", 5, 100, 100);
	p->tree = t;
	return p;
}

static void test_order_and_sums(void **state)
{
	struct lat_profile *p = sample();
	const char *want[] = {"serve", "reply", "malloc", "parse", "lex", "tick"};
	const size_t depth[] = {1, 2, 3, 2, 3, 1};
	size_t *order = NULL, i;
	long nr;

	(void)state;
	nr = lat_tree_order(p->tree, &order);
	assert_int_equal(nr, 6);
	for (i = 0; i < 6; i++) {
		assert_string_equal(p->tree->v[order[i]].name, want[i]);
		assert_int_equal(lat_tree_depth(p->tree, order[i]), depth[i]);
	}
	assert_int_equal(lat_tree_root_ns(p->tree), 1100);
	assert_int_equal(lat_tree_self_ns(p->tree), 1100);
	free(order);
	lat_profile_free(p);
}

static void test_term_rows(void **state)
{
	struct lat_profile *p = sample();
	struct report_opts o = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_int_equal(report_lat_tree_term(f, p, &o), 0);
	fclose(f);
	/* Indented under its caller; outside the main object with its library's name. */
	assert_non_null(strstr(text, "  serve\n"));
	assert_non_null(strstr(text, "    reply\n"));
	assert_non_null(strstr(text, "      libc.so.6:malloc\n"));
	assert_true(strstr(text, "reply\n") < strstr(text, "parse\n"));
	/* serve is 1000 of 1100 ns: 90.9 %, 36 of 40 bar characters. */
	assert_non_null(strstr(text, " 90.9% |####################################    |"));
	free(text);
	lat_profile_free(p);
}

/* A stack per path with self time, named as the table names them, weights adding up. */
static void test_folded(void **state)
{
	struct lat_profile *p = sample();
	struct folded f;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	folded_init(&f, "ns");
	assert_int_equal(lat_tree_folded(p, &f), 0);
	assert_int_equal(f.nr, 6);
	assert_int_equal(folded_total(&f), lat_tree_root_ns(p->tree));
	assert_int_equal(folded_write(out, &f), 0);
	fclose(out);
	assert_non_null(strstr(text, "serve;reply;libc.so.6:malloc 50\n"));
	assert_non_null(strstr(text, "serve;parse;lex 200\n"));
	assert_non_null(strstr(text, "tick 100\n"));
	free(text);
	folded_free(&f);
	/* A profile without a tree has no call paths to fold. */
	lat_tree_free(p->tree);
	p->tree = NULL;
	folded_init(&f, "ns");
	assert_int_equal(lat_tree_folded(p, &f), -ENOENT);
	folded_free(&f);
	lat_profile_free(p);
}

static int read_quietly(const char *path, struct sonde_profile **out)
{
	int err, saved = dup(2), null = open("/dev/null", O_WRONLY);

	dup2(null, 2);
	err = profile_read(path, out);
	dup2(saved, 2);
	close(saved);
	close(null);
	return err;
}

static struct run_meta *meta(void)
{
	struct run_meta *m = calloc(1, sizeof(*m));

	m->sonde_version = strdup(SONDE_VERSION);
	m->options = strdup("sonde lat --tree -o x");
	return m;
}

static json_t *load(const char *path)
{
	json_t *root = json_load_file(path, 0, NULL);

	assert_non_null(root);
	return root;
}

static void test_file_round_trip(void **state)
{
	struct lat_profile *p = sample();
	struct run_meta *m = meta();
	struct sonde_profile *got = NULL;
	size_t *a = NULL, *b = NULL, i;
	char path[512];
	json_t *root;

	(void)state;
	fx_path(path, sizeof(path), dir, "tree.sonde");
	assert_int_equal(profile_write_lat(path, p, m), 0);
	root = load(path);
	assert_int_equal(json_integer_value(json_object_get(root, "version")), 3);
	json_decref(root);
	assert_int_equal(read_quietly(path, &got), 0);
	assert_non_null(got->lat->tree);
	assert_int_equal(lat_tree_order(p->tree, &a), 6);
	assert_int_equal(lat_tree_order(got->lat->tree, &b), 6);
	for (i = 0; i < 6; i++) {
		const struct lat_tree_node *x = &p->tree->v[a[i]], *y = &got->lat->tree->v[b[i]];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->calls, y->calls);
		assert_int_equal(x->total_ns, y->total_ns);
		assert_int_equal(x->self_ns, y->self_ns);
		assert_int_equal(lat_tree_depth(p->tree, a[i]),
				 lat_tree_depth(got->lat->tree, b[i]));
	}
	/* The object comes back from the function of that name. */
	assert_string_equal(got->lat->tree->v[b[2]].object, LIBC);
	free(a);
	free(b);
	sonde_profile_free(got);
	/* Without a tree, version 2: what a sonde from before reads. */
	lat_tree_free(p->tree);
	p->tree = NULL;
	assert_int_equal(profile_write_lat(path, p, m), 0);
	root = load(path);
	assert_int_equal(json_integer_value(json_object_get(root, "version")), 2);
	assert_null(json_object_get(json_object_get(root, "report"), "tree"));
	json_decref(root);
	assert_int_equal(read_quietly(path, &got), 0);
	assert_null(got->lat->tree);
	sonde_profile_free(got);
	run_meta_free(m);
	lat_profile_free(p);
}

/* The good file with report.tree[i] replaced by `text`: refused. */
static void expect_bad_node(size_t i, const char *text, const char *why)
{
	char good[512], bad[512];
	struct sonde_profile *got = NULL;
	json_t *root, *tree, *v;

	fx_path(good, sizeof(good), dir, "tree.sonde");
	fx_path(bad, sizeof(bad), dir, "bad.sonde");
	root = load(good);
	tree = json_object_get(json_object_get(root, "report"), "tree");
	v = json_loads(text, JSON_DECODE_ANY, NULL);
	assert_non_null(v);
	assert_int_equal(json_array_set_new(tree, i, v), 0);
	assert_int_equal(json_dump_file(root, bad, 0), 0);
	json_decref(root);
	if (read_quietly(bad, &got) != -SONDE_EXIT_INPUT)
		fail_msg("accepted: %s", why);
	sonde_profile_free(got);
}

static void test_bad_trees(void **state)
{
	struct lat_profile *p = sample();
	struct run_meta *m = meta();
	char path[512];

	(void)state;
	fx_path(path, sizeof(path), dir, "tree.sonde");
	assert_int_equal(profile_write_lat(path, p, m), 0);
	/* tree[0] is serve, tree[1] reply (serve's). */
	expect_bad_node(1,
			"{\"path\":[\"other\",\"reply\"],\"calls\":1,\"total_ns\":1,\"self_ns\":1}",
			"a path whose caller is not the one before it");
	expect_bad_node(0, "{\"path\":[\"x\",\"serve\"],\"calls\":1,\"total_ns\":1,\"self_ns\":1}",
			"a first path with a caller");
	expect_bad_node(0, "{\"path\":[],\"calls\":1,\"total_ns\":1,\"self_ns\":1}", "no path");
	expect_bad_node(0, "{\"path\":[7],\"calls\":1,\"total_ns\":1,\"self_ns\":1}",
			"a name that is a number");
	expect_bad_node(0, "{\"path\":[\"serve\"],\"total_ns\":1,\"self_ns\":1}", "no calls");
	expect_bad_node(0, "{\"path\":[\"serve\"],\"calls\":-1,\"total_ns\":1,\"self_ns\":1}",
			"negative calls");
	expect_bad_node(0, "\"serve\"", "not an object");
	run_meta_free(m);
	lat_profile_free(p);
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
	    cmocka_unit_test(test_order_and_sums), cmocka_unit_test(test_term_rows),
	    cmocka_unit_test(test_folded),	   cmocka_unit_test(test_file_round_trip),
	    cmocka_unit_test(test_bad_trees),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
