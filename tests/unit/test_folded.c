// SPDX-License-Identifier: GPL-2.0
/* Folded stacks (user/out/folded.c, mem_folded.c): merging, totals, escaping, order. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "out/folded.h"
#include "out/mem_folded.h"

static char *written(const struct folded *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(folded_write(out, f), 0);
	fclose(out);
	return buf;
}

static void add(struct folded *f, const char *a, const char *b, const char *c, __u64 w)
{
	const char *frames[] = {a, b, c};

	assert_int_equal(folded_add(f, frames, c ? 3 : b ? 2 : 1, w), 0);
}

static void test_merge_and_total(void **state)
{
	struct folded f;
	char *text;

	(void)state;
	folded_init(&f, "bytes");
	add(&f, "main", "serve", "leak", 100);
	add(&f, "main", "serve", NULL, 7);
	add(&f, "main", "serve", "leak", 23);
	add(&f, "main", "idle", NULL, 0); /* weighs nothing: not added */
	add(&f, "main", NULL, NULL, 1);
	assert_int_equal(f.nr, 3);
	assert_int_equal(folded_total(&f), 131);
	assert_string_equal(f.unit, "bytes");
	text = written(&f);
	/* By frames, a stack before the longer ones it begins; the merged weight. */
	assert_string_equal(text, "main 1\n"
				  "main;serve 7\n"
				  "main;serve;leak 123\n");
	free(text);
	assert_int_equal(folded_add(&f, NULL, 0, 5), -EINVAL);
	folded_free(&f);
	assert_int_equal(f.nr, 0);
	assert_int_equal(folded_total(&f), 0);
}

/* The same stacks in any order write the same text: sorted, not as added. */
static void test_stable_order(void **state)
{
	struct folded a, b;
	char *ta, *tb;

	(void)state;
	folded_init(&a, "calls");
	folded_init(&b, "calls");
	add(&a, "main", "b", NULL, 2);
	add(&a, "main", "a", "x", 3);
	add(&a, "aardvark", NULL, NULL, 4);
	add(&a, "main", "a", NULL, 5);
	add(&b, "main", "a", NULL, 5);
	add(&b, "aardvark", NULL, NULL, 4);
	add(&b, "main", "a", "x", 3);
	add(&b, "main", "b", NULL, 2);
	ta = written(&a);
	tb = written(&b);
	assert_string_equal(ta, "aardvark 4\nmain;a 5\nmain;a;x 3\nmain;b 2\n");
	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
	folded_free(&a);
	folded_free(&b);
}

/* ';' would split a frame, a newline a line, an escape sequence a terminal:
 * \xHH (safe_text.h); spaces stay; an empty name is "?". */
static void test_escaping(void **state)
{
	struct folded f;
	char *text;

	(void)state;
	folded_init(&f, "calls");
	add(&f, "main", "evil_\x1b]0;pwned\x07_title\x1b[2J", NULL, 1);
	add(&f, "main", "std::map<int, int>::at(int const&)", "a\nb", 2);
	add(&f, "caf\xc3\xa9_step", "", NULL, 3);
	add(&f, "main", "evil_\x1b]0;pwned\x07_title\x1b[2J", NULL, 4);
	assert_int_equal(f.nr, 3);
	text = written(&f);
	assert_string_equal(text, "caf\xc3\xa9_step;? 3\n"
				  "main;evil_\\x1b]0\\x3bpwned\\x07_title\\x1b[2J 5\n"
				  "main;std::map<int, int>::at(int const&);a\\x0ab 2\n");
	free(text);
	folded_free(&f);
}

/* Many stacks: the index keeps merging right past its growth. */
static void test_many_stacks(void **state)
{
	struct folded f;
	char name[32];
	int round, i;

	(void)state;
	folded_init(&f, "ns");
	for (round = 0; round < 2; round++)
		for (i = 0; i < 5000; i++) {
			snprintf(name, sizeof(name), "fn%d", i);
			add(&f, "main", name, NULL, (__u64)i + 1);
		}
	assert_int_equal(f.nr, 5000);
	assert_int_equal(folded_total(&f), 2ULL * 5000 * 5001 / 2);
	folded_free(&f);
}

static struct mem_stack *stack(struct mem_profile *p, __u32 id, const char *const *frames, size_t n,
			       __u64 live, __u64 alloc)
{
	struct mem_stack *s = mem_profile_stack(p, id);

	assert_non_null(s);
	assert_int_equal(mem_stack_set_frames(s, frames, n), 0);
	s->live_bytes = live;
	s->alloc_bytes = alloc;
	return s;
}

/* A mem profile: outermost first, offsets gone (two builds' stacks merge),
 * "[mmap]" after an anonymous mapping's, "[unknown]" for a lost stack. */
static void test_mem_profile(void **state)
{
	static const char *const leak1[] = {"leak_block+0x1c", "run_paced+0x40", "main+0x9"};
	static const char *const leak2[] = {"leak_block+0x20", "run_paced+0x44", "main+0x9"};
	static const char *const churn[] = {"churn+0x10", "run_paced+0x48", "main+0x9"};
	static const char *const map[] = {"setup+0x5", "main+0x1"};
	struct mem_profile *p = mem_profile_new(8);
	struct folded live, alloc;
	char *text;

	(void)state;
	assert_non_null(p);
	stack(p, 1, leak1, 3, 1000, 1000);
	stack(p, 2, leak2, 3, 24, 24);
	stack(p, 3, churn, 3, 0, 960);
	stack(p, 4, map, 2, 4096, 4096)->mmap = true;
	stack(p, SONDE_MEM_NO_STACK, NULL, 0, 8, 16);
	folded_init(&live, "bytes");
	folded_init(&alloc, "bytes");
	assert_int_equal(mem_folded_add(&live, p, MEM_FOLDED_LIVE), 0);
	assert_int_equal(mem_folded_add(&alloc, p, MEM_FOLDED_ALLOC), 0);
	text = written(&live);
	assert_string_equal(text, "[unknown] 8\n"
				  "main;run_paced;leak_block 1024\n"
				  "main;setup;[mmap] 4096\n");
	assert_int_equal(folded_total(&live),
			 mem_profile_live_bytes(p, false) + mem_profile_live_bytes(p, true));
	free(text);
	text = written(&alloc);
	assert_string_equal(text, "[unknown] 16\n"
				  "main;run_paced;churn 960\n"
				  "main;run_paced;leak_block 1024\n"
				  "main;setup;[mmap] 4096\n");
	free(text);
	folded_free(&live);
	folded_free(&alloc);
	mem_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge_and_total), cmocka_unit_test(test_stable_order),
	    cmocka_unit_test(test_escaping),	    cmocka_unit_test(test_many_stacks),
	    cmocka_unit_test(test_mem_profile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
