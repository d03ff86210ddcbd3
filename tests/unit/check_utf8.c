/* check_utf8.c: UTF-8 validation and repair. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "utf8.h"

/* Input, its valid prefix length, and its repair (U+FFFD is \xef\xbf\xbd). */
static const struct {
	const char *in;
	size_t prefix;
	const char *repaired;
} cases[] = {
	{ "plain ascii", 11, "plain ascii" },
	{ "caf\xc3\xa9", 5, "caf\xc3\xa9" },
	{ "\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80" },
	{ "a\xff" "b", 1, "a\xef\xbf\xbd" "b" },
	{ "\xc0\xaf", 0, "\xef\xbf\xbd\xef\xbf\xbd" },			/* overlong '/' */
	{ "\xe0\x80\xaf", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong */
	{ "\xed\xa0\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* surrogate */
	{ "\xf4\x90\x80\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* > U+10FFFF */
	{ "ab\xe2\x82", 2, "ab\xef\xbf\xbd" },				/* cut short: one U+FFFD */
	{ "\xe2\x82" "x", 0, "\xef\xbf\xbd" "x" },
	{ "", 0, "" },
};

START_TEST(test_utf8_valid_prefix_table)
{
	ck_assert_uint_eq(utf8_valid_prefix(cases[_i].in, strlen(cases[_i].in)), cases[_i].prefix);
}
END_TEST

START_TEST(test_utf8_repair_table)
{
	size_t len = strlen(cases[_i].in);
	char *out = malloc(len * UTF8_REPLACEMENT_LEN + 1);
	size_t n = utf8_repair(out, cases[_i].in, len);

	out[n] = '\0';
	ck_assert_str_eq(out, cases[_i].repaired);
	ck_assert_uint_eq(utf8_valid_prefix(out, n), n);
	free(out);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("utf8");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_utf8_valid_prefix_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_loop_test(tc, test_utf8_repair_table, 0, sizeof(cases) / sizeof(cases[0]));
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
