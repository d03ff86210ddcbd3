/* check_cgi.c: query parameters, header variable names and status texts of the CGI module. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "cgi.h"

static const struct {
	const char *query, *name;
	int rc;
	const char *value;
} params[] = {
	{ "session=abc", "session", 1, "abc" },
	{ "a=1&session=abc&b=2", "session", 1, "abc" },
	{ "session=a%2Fb", "session", 1, "a/b" },
	{ "session=a+b", "session", 1, "a b" },
	{ "session=", "session", 1, "" },
	{ "", "session", 0, NULL },
	{ "sessions=abc", "session", 0, NULL },
	{ "xsession=abc", "session", 0, NULL },
	{ "session=a&session=b", "session", -1, NULL },
	{ "session=a&session=a", "session", -1, NULL },
	{ "session", "session", -1, NULL },
	{ "session=%", "session", -1, NULL },
	{ "session=%4", "session", -1, NULL },
	{ "session=%zz", "session", -1, NULL },
	{ "session=%00", "session", -1, NULL },
	{ "after=12&&session=x", "session", 1, "x" },
};

START_TEST(test_cgi_query_param_table)
{
	char out[32];
	int rc = cgi_query_param(params[_i].query, params[_i].name, out, sizeof(out));

	ck_assert_msg(rc == params[_i].rc, "\"%s\": %d", params[_i].query, rc);
	if (rc == 1)
		ck_assert_str_eq(out, params[_i].value);
}
END_TEST

START_TEST(test_cgi_query_param_value_too_long)
{
	char out[4];

	ck_assert_int_eq(cgi_query_param("limit=1234", "limit", out, sizeof(out)), -1);
	ck_assert_int_eq(cgi_query_param("limit=123", "limit", out, sizeof(out)), 1);
}
END_TEST

START_TEST(test_cgi_header_var_mapping)
{
	char out[64];

	ck_assert_int_eq(cgi_header_var("X-authentik-username", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "HTTP_X_AUTHENTIK_USERNAME");
	/* lighttpd folds these spellings into one variable. */
	ck_assert_int_eq(cgi_header_var("X.Authentik.Username", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "HTTP_X_AUTHENTIK_USERNAME");
	ck_assert_int_eq(cgi_header_var("X_authentik_username", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "HTTP_X_AUTHENTIK_USERNAME");
	ck_assert_int_eq(cgi_header_var("Last-Event-ID", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "HTTP_LAST_EVENT_ID");
	ck_assert_int_eq(cgi_header_var("", out, sizeof(out)), -1);
	ck_assert_int_eq(cgi_header_var("X Y", out, sizeof(out)), -1);
	ck_assert_int_eq(cgi_header_var("X=Y", out, sizeof(out)), -1);
	ck_assert_int_eq(cgi_header_var("A-very-long-header-name", out, 10), -1);
}
END_TEST

START_TEST(test_cgi_status_text_known)
{
	ck_assert_str_eq(cgi_status_text(413), "Content Too Large");
	ck_assert_str_eq(cgi_status_text(428), "Precondition Required");
	ck_assert_str_eq(cgi_status_text(299), "Unknown");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cgi");
	TCase *tc = tcase_create("cgi");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_cgi_query_param_table, 0, sizeof(params) / sizeof(params[0]));
	tcase_add_test(tc, test_cgi_query_param_value_too_long);
	tcase_add_test(tc, test_cgi_header_var_mapping);
	tcase_add_test(tc, test_cgi_status_text_known);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
