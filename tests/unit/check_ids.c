/* check_ids.c: UUID v4 minting and the strict lowercase canonical validator. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "ids.h"

static const char *valid[] = {
	"00000000-0000-0000-0000-000000000000",
	"da9b2fc0-5026-4c97-b346-208db2f3dfe1",
	"ffffffff-ffff-ffff-ffff-ffffffffffff",
};

static const char *invalid[] = {
	"",
	"../../etc/passwd",
	"--help",
	"-",
	"DA9B2FC0-5026-4C97-B346-208DB2F3DFE1",
	"da9b2fc0-5026-4c97-b346-208db2f3dfe",
	"da9b2fc0-5026-4c97-b346-208db2f3dfe1a",
	"da9b2fc0-5026-4c97-b346-208db2f3dfe1/",
	"da9b2fc0_5026-4c97-b346-208db2f3dfe1",
	"da9b2fc050264c97b346208db2f3dfe1",
	"{da9b2fc0-5026-4c97-b346-208db2f3dfe1}",
	"da9b2fc0-5026-4c97-b346-208db2f3dfg1",
	"da9b2fc0-5026-4c97-b346-208db2f3df 1",
	"da9b2fc0-5026-4c97-b346-208db2f3dfe\n",
	" da9b2fc0-5026-4c97-b346-208db2f3dfe1",
	"da9b2fc0-5026-4c97-b346-208db2f3dfe1\n",
	"da9b2fc0-5026-4c97-b346-208db2f3dfé",
	"da9b2fc0-5026-4c97-b346-208db2f3dfe1%00",
	"da9b2fc0--5026-4c97-b346-208db2f3dfe1",
	"da9b2fc0-5026-4c97-b346--208db2f3dfe1",
};

START_TEST(test_ids_valid_accepts_canonical)
{
	ck_assert_int_eq(ids_valid(valid[_i]), 1);
}
END_TEST

START_TEST(test_ids_valid_rejects_malformed)
{
	ck_assert_msg(ids_valid(invalid[_i]) == 0, "accepted \"%s\"", invalid[_i]);
}
END_TEST

START_TEST(test_ids_valid_rejects_null)
{
	ck_assert_int_eq(ids_valid(NULL), 0);
}
END_TEST

START_TEST(test_ids_uuid4_is_valid_version_4)
{
	char a[BG_UUID_LEN + 1], b[BG_UUID_LEN + 1];

	ck_assert_int_eq(ids_uuid4(a), 0);
	ck_assert_int_eq(ids_uuid4(b), 0);
	ck_assert_int_eq(ids_valid(a), 1);
	ck_assert_int_eq(a[14], '4');
	ck_assert(strchr("89ab", a[19]) != NULL);
	ck_assert_str_ne(a, b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ids");
	TCase *tc = tcase_create("ids");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_ids_valid_accepts_canonical, 0, sizeof(valid) / sizeof(valid[0]));
	tcase_add_loop_test(tc, test_ids_valid_rejects_malformed, 0, sizeof(invalid) / sizeof(invalid[0]));
	tcase_add_test(tc, test_ids_valid_rejects_null);
	tcase_add_test(tc, test_ids_uuid4_is_valid_version_4);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
