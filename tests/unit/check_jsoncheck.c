/* check_jsoncheck.c: the checks on parsed JSON that json-c leaves to its callers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "jsoncheck.h"

START_TEST(test_jsoncheck_all_finite_cases)
{
	struct json_object *ok = json_tokener_parse("{\"a\":[1,2.5,{\"b\":-3e10}],\"c\":\"NaN\"}");
	struct json_object *nan = json_object_new_object();
	struct json_object *deep = json_object_new_array();
	struct json_object *inner = json_object_new_object();

	json_object_object_add(nan, "x", json_object_new_double(NAN));
	json_object_object_add(inner, "y", json_object_new_double(INFINITY));
	json_object_array_add(deep, inner);
	ck_assert_int_eq(jsoncheck_all_finite(ok), 1);
	ck_assert_int_eq(jsoncheck_all_finite(nan), 0);
	ck_assert_int_eq(jsoncheck_all_finite(deep), 0);
	json_object_put(ok);
	json_object_put(nan);
	json_object_put(deep);
}
END_TEST

static const struct {
	const char *text;
	int unique;
} keys[] = {
	{ "{}", 1 },
	{ "{\"a\":1,\"b\":2}", 1 },
	{ "{\"a\":1,\"a\":2}", 0 },
	{ "{\"verb\":\"stop\",\"confirm\":\"x\",\"confirm\":\"stop\"}", 0 },
	{ "{\"a\":{\"b\":1,\"b\":2}}", 0 },
	{ "{\"a\":[{\"b\":1},{\"c\":1,\"c\":1}]}", 0 },
	{ "{\"a\":[{\"b\":1},{\"b\":1}]}", 1 },
	{ "{\"confirm\":1,\"confir\\u006d\":2}", 0 },
	{ "{\"a:b\":\"{:}\",\"c\":\"\\\":\"}", 1 },
	{ "{\"a\":{\"x\":1},\"a\":{\"y\":2}}", 0 },
	{ "{\"a\":{\"x\":1,\"y\":2},\"b\":{}}", 1 },
};

START_TEST(test_jsoncheck_unique_keys_table)
{
	struct json_object *parsed = json_tokener_parse(keys[_i].text);

	ck_assert_ptr_nonnull(parsed);
	ck_assert_msg(jsoncheck_unique_keys(keys[_i].text, strlen(keys[_i].text), parsed) == keys[_i].unique,
	    "%s", keys[_i].text);
	json_object_put(parsed);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("jsoncheck");
	TCase *tc = tcase_create("jsoncheck");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_jsoncheck_all_finite_cases);
	tcase_add_loop_test(tc, test_jsoncheck_unique_keys_table, 0, sizeof(keys) / sizeof(keys[0]));
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
