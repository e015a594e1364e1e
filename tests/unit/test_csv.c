// SPDX-License-Identifier: GPL-2.0
/* CSV from a report's JSON object (user/out/csv.c): RFC 4180 quoting, columns, one header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "out/csv.h"

static char *render(const char *json, bool *header_done)
{
	static const char *const context[] = {"type", "final", NULL};
	const struct csv_shape shape = {.rows = "functions", .context = context};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(csv_write(f, json_loads(json, 0, NULL), &shape, header_done), 0);
	fclose(f);
	return buf;
}

static void test_fields_and_quoting(void **state)
{
	bool header_done = false;
	char *out;

	(void)state;
	out = render("{\"type\":\"lat\",\"final\":true,\"functions\":["
		     "{\"name\":\"std::map<int, int>::at\",\"calls\":3,\"mean\":2.5,"
		     "\"hist\":[[1,2]],\"frames\":[\"a+0x1\",\"b\"]},"
		     "{\"name\":\"say \\\"hi\\\"\\nthere\",\"calls\":4,\"mangled\":\"_Z1fv\"}]}",
		     &header_done);
	assert_string_equal(out, "type,final,name,calls,mean,frames,mangled\r\n"
				 "lat,true,\"std::map<int, int>::at\",3,2.5,a+0x1;b,\r\n"
				 "lat,true,\"say \"\"hi\"\"\nthere\",4,,,_Z1fv\r\n");
	assert_true(header_done);
	free(out);
	/* The run's next report: rows only. */
	out = render("{\"type\":\"lat\",\"final\":false,\"functions\":[{\"name\":\"f\",\"calls\":1}]}",
		     &header_done);
	assert_string_equal(out, "lat,false,f,1\r\n");
	free(out);
}

/* No rows yet (a first interval without stacks): no header either, it waits for them. */
static void test_header_waits_for_rows(void **state)
{
	bool header_done = false;
	char *out = render("{\"type\":\"mem\",\"final\":false,\"functions\":[]}", &header_done);

	(void)state;
	assert_string_equal(out, "");
	assert_false(header_done);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fields_and_quoting),
	    cmocka_unit_test(test_header_waits_for_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
