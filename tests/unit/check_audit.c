/* check_audit.c: the audit log: one line per record, newest first, partial lines skipped. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "audit.h"

static char state[64];

static void
setup(void)
{
	snprintf(state, sizeof(state), "/tmp/check_audit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(state));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state);
	ck_assert_int_eq(system(cmd), 0);
}

static void
append_verb(const char *verb, int ok)
{
	struct audit_record r = {
		.user = "alice", .remote = "127.0.0.1", .action = "pve.run", .verb = verb,
		.ok = ok, .exit_status = ok ? 0 : 1, .state = "running", .duration_ms = 12,
	};

	ck_assert_int_eq(audit_append(state, &r), 0);
	ck_assert_uint_eq(strlen(r.id), BG_UUID_LEN);
}

static const char *
field(struct json_object *arr, size_t i, const char *key)
{
	return json_object_get_string(json_object_object_get(json_object_array_get_idx(arr, i), key));
}

START_TEST(test_audit_read_newest_missing_log_is_empty)
{
	struct json_object *arr = audit_read_newest(state, 50);

	ck_assert_ptr_nonnull(arr);
	ck_assert_uint_eq(json_object_array_length(arr), 0);
	json_object_put(arr);
}
END_TEST

START_TEST(test_audit_read_newest_order_and_limit)
{
	struct json_object *arr;

	append_verb("status", 1);
	append_verb("start", 1);
	append_verb("reset", 0);
	arr = audit_read_newest(state, 2);
	ck_assert_uint_eq(json_object_array_length(arr), 2);
	ck_assert_str_eq(field(arr, 0, "verb"), "reset");
	ck_assert_str_eq(field(arr, 1, "verb"), "start");
	ck_assert_str_eq(field(arr, 0, "user"), "alice");
	ck_assert_str_eq(field(arr, 0, "ok"), "false");
	ck_assert_ptr_nonnull(json_object_object_get(json_object_array_get_idx(arr, 0), "time"));
	json_object_put(arr);
}
END_TEST

START_TEST(test_audit_append_one_line_per_record)
{
	char path[128], *buf;
	FILE *f;
	size_t n, lines = 0, i;

	append_verb("status", 1);
	append_verb("cycle", 1);
	snprintf(path, sizeof(path), "%s/%s", state, AUDIT_FILE);
	f = fopen(path, "r");
	buf = calloc(1, 8192);
	n = fread(buf, 1, 8191, f);
	fclose(f);
	for (i = 0; i < n; i++)
		lines += buf[i] == '\n';
	ck_assert_uint_eq(lines, 2);
	ck_assert_int_eq(buf[n - 1], '\n');
	free(buf);
}
END_TEST

START_TEST(test_audit_append_chat_record_has_session_not_verb)
{
	struct audit_record r = {
		.user = "token", .remote = "::1", .action = "chat.start",
		.session = "da9b2fc0-5026-4c97-b346-208db2f3dfe1", .ok = 1, .exit_status = -1,
		.duration_ms = -1,
	};
	struct json_object *arr, *rec;

	ck_assert_int_eq(audit_append(state, &r), 0);
	arr = audit_read_newest(state, 1);
	rec = json_object_array_get_idx(arr, 0);
	ck_assert_str_eq(field(arr, 0, "session"), r.session);
	ck_assert_int_eq(json_object_object_get_ex(rec, "verb", NULL), 0);
	ck_assert_ptr_null(json_object_object_get(rec, "exit_status"));
	json_object_put(arr);
}
END_TEST

START_TEST(test_audit_read_newest_skips_partial_last_line)
{
	char path[128];
	struct json_object *arr;
	int fd;

	append_verb("status", 1);
	snprintf(path, sizeof(path), "%s/%s", state, AUDIT_FILE);
	fd = open(path, O_WRONLY | O_APPEND);
	ck_assert_int_eq(write(fd, "{\"id\":\"half", 11), 11);
	close(fd);
	arr = audit_read_newest(state, 10);
	ck_assert_uint_eq(json_object_array_length(arr), 1);
	ck_assert_str_eq(field(arr, 0, "verb"), "status");
	json_object_put(arr);
}
END_TEST

START_TEST(test_audit_read_newest_large_log)
{
	struct json_object *arr;
	int i;

	for (i = 0; i < 700; i++)
		append_verb(i == 699 ? "stop" : "status", 1);
	arr = audit_read_newest(state, BG_AUDIT_LIMIT_MAX);
	ck_assert_uint_eq(json_object_array_length(arr), BG_AUDIT_LIMIT_MAX);
	ck_assert_str_eq(field(arr, 0, "verb"), "stop");
	json_object_put(arr);
	ck_assert_ptr_null(audit_read_newest(state, BG_AUDIT_LIMIT_MAX + 1));
}
END_TEST

START_TEST(test_audit_append_unwritable_state_fails)
{
	struct audit_record r = { .action = "pve.run", .verb = "start", .exit_status = -1, .duration_ms = -1 };

	ck_assert_int_eq(audit_append("/nonexistent/state", &r), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("audit");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_audit_read_newest_missing_log_is_empty);
	tcase_add_test(tc, test_audit_read_newest_order_and_limit);
	tcase_add_test(tc, test_audit_append_one_line_per_record);
	tcase_add_test(tc, test_audit_append_chat_record_has_session_not_verb);
	tcase_add_test(tc, test_audit_read_newest_skips_partial_last_line);
	tcase_add_test(tc, test_audit_read_newest_large_log);
	tcase_add_test(tc, test_audit_append_unwritable_state_fails);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
