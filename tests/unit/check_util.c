/* check_util.c: checked number parsing, bounded copies, constant-time compare, file helpers. */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "util.h"

static const struct {
	const char *s;
	long long min, max, want;
	const char *err;
} nums[] = {
	{ "0", 0, 10, 0, NULL },
	{ "10", 0, 10, 10, NULL },
	{ "-5", -10, 10, -5, NULL },
	{ "11", 0, 10, 0, "too large" },
	{ "-1", 0, 10, 0, "too small" },
	{ "", 0, 10, 0, "invalid" },
	{ " 1", 0, 10, 0, "invalid" },
	{ "1 ", 0, 10, 0, "invalid" },
	{ "+1", 0, 10, 0, "invalid" },
	{ "0x1", 0, 10, 0, "invalid" },
	{ "1e3", 0, 10000, 0, "invalid" },
	{ "--1", -10, 10, 0, "invalid" },
	{ "-", -10, 10, 0, "invalid" },
	{ "99999999999999999999", 0, LLONG_MAX, 0, "too large" },
	{ "-99999999999999999999", LLONG_MIN, 0, 0, "too small" },
	{ "9223372036854775807", 0, LLONG_MAX, LLONG_MAX, NULL },
};

START_TEST(test_util_strtonum_table)
{
	const char *err;
	long long v = util_strtonum(nums[_i].s, nums[_i].min, nums[_i].max, &err);

	ck_assert_msg((err == NULL) == (nums[_i].err == NULL), "\"%s\": error %s", nums[_i].s, err ? err : "none");
	if (nums[_i].err != NULL)
		ck_assert_str_eq(err, nums[_i].err);
	else
		ck_assert_int_eq(v, nums[_i].want);
}
END_TEST

START_TEST(test_util_strlcpy_reports_truncation)
{
	char buf[4];

	ck_assert_uint_eq(util_strlcpy(buf, "abc", sizeof(buf)), 3);
	ck_assert_str_eq(buf, "abc");
	ck_assert_uint_eq(util_strlcpy(buf, "abcd", sizeof(buf)), 4);
	ck_assert_str_eq(buf, "abc");
}
END_TEST

START_TEST(test_util_consttime_equal_cases)
{
	ck_assert_int_eq(util_consttime_equal("abc", 3, "abc", 3), 1);
	ck_assert_int_eq(util_consttime_equal("abc", 3, "abd", 3), 0);
	ck_assert_int_eq(util_consttime_equal("abc", 3, "ab", 2), 0);
	ck_assert_int_eq(util_consttime_equal("ab", 2, "abc", 3), 0);
	ck_assert_int_eq(util_consttime_equal("", 0, "", 0), 1);
	ck_assert_int_eq(util_consttime_equal("a\0b", 3, "a\0c", 3), 0);
}
END_TEST

START_TEST(test_util_read_file_caps_size)
{
	char path[] = "/tmp/check_util.XXXXXX";
	int fd = mkstemp(path);
	size_t len;
	char *s;

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "hello", 5), 5);
	close(fd);
	s = util_read_file(path, 5, &len);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(len, 5);
	ck_assert_str_eq(s, "hello");
	free(s);
	ck_assert_ptr_null(util_read_file(path, 4, &len));
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_ptr_null(util_read_file("/tmp", 4, &len));
	unlink(path);
}
END_TEST

START_TEST(test_util_write_atomic_replaces)
{
	char dir[] = "/tmp/check_util.XXXXXX", path[64];
	struct stat st;
	char *s;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	ck_assert_int_eq(util_write_atomic(path, "one", 3), 0);
	ck_assert_int_eq(util_write_atomic(path, "two!", 4), 0);
	s = util_read_file(path, 100, NULL);
	ck_assert_str_eq(s, "two!");
	free(s);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_util_time_rfc3339_format)
{
	char buf[32];

	ck_assert_int_eq(util_time_rfc3339(0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
	ck_assert_int_eq(util_time_rfc3339(0, buf, 5), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_util_strtonum_table, 0, sizeof(nums) / sizeof(nums[0]));
	tcase_add_test(tc, test_util_strlcpy_reports_truncation);
	tcase_add_test(tc, test_util_consttime_equal_cases);
	tcase_add_test(tc, test_util_read_file_caps_size);
	tcase_add_test(tc, test_util_write_atomic_replaces);
	tcase_add_test(tc, test_util_time_rfc3339_format);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
