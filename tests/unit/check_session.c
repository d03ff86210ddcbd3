/* check_session.c: the session store: create, read, list newest first, the running flag, titles. */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "ids.h"
#include "session.h"

static char state[64];

static void
setup(void)
{
	char cmd[128];

	snprintf(state, sizeof(state), "/tmp/check_session.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(state));
	(void)cmd;
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_session_create_then_read)
{
	struct session_meta m, r;

	ck_assert_int_eq(session_create(state, &m), 0);
	ck_assert_int_eq(ids_valid(m.id), 1);
	ck_assert_int_eq(session_read(state, m.id, &r), 0);
	ck_assert_str_eq(r.id, m.id);
	ck_assert_str_eq(r.title, "");
	ck_assert_int_eq(r.turns, 0);
	ck_assert_int_eq(r.created, m.created);
}
END_TEST

START_TEST(test_session_read_unknown_is_1)
{
	struct session_meta r;

	ck_assert_int_eq(session_read(state, "00000000-0000-4000-8000-000000000000", &r), 1);
}
END_TEST

START_TEST(test_session_read_invalid_id_fails)
{
	struct session_meta r;

	ck_assert_int_eq(session_read(state, "../../etc/passwd", &r), -1);
	ck_assert_int_eq(session_read(state, "--help", &r), -1);
}
END_TEST

START_TEST(test_session_read_malformed_meta_fails)
{
	struct session_meta m, r;
	char path[256];
	FILE *f;

	ck_assert_int_eq(session_create(state, &m), 0);
	snprintf(path, sizeof(path), "%s/sessions/%s/meta.json", state, m.id);
	f = fopen(path, "w");
	fputs("{\"id\":\"other\"}", f);
	fclose(f);
	ck_assert_int_eq(session_read(state, m.id, &r), -1);
}
END_TEST

START_TEST(test_session_list_newest_first)
{
	struct session_meta a, b, c;
	struct json_object *arr;

	ck_assert_int_eq(session_create(state, &a), 0);
	ck_assert_int_eq(session_create(state, &b), 0);
	ck_assert_int_eq(session_create(state, &c), 0);
	a.updated += 100;
	ck_assert_int_eq(session_write(state, &a), 0);
	c.updated += 50;
	ck_assert_int_eq(session_write(state, &c), 0);

	arr = session_list(state);
	ck_assert_ptr_nonnull(arr);
	ck_assert_uint_eq(json_object_array_length(arr), 3);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(json_object_array_get_idx(arr, 0), "id")), a.id);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(json_object_array_get_idx(arr, 1), "id")), c.id);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(json_object_array_get_idx(arr, 2), "id")), b.id);
	json_object_put(arr);
}
END_TEST

START_TEST(test_session_list_skips_foreign_folders)
{
	struct json_object *arr;
	char path[256];

	snprintf(path, sizeof(path), "%s/sessions", state);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/sessions/not-a-session", state);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/sessions/00000000-0000-4000-8000-000000000000", state);
	mkdir(path, 0700);	/* valid name, no metadata */
	arr = session_list(state);
	ck_assert_ptr_nonnull(arr);
	ck_assert_uint_eq(json_object_array_length(arr), 0);
	json_object_put(arr);
}
END_TEST

START_TEST(test_session_list_empty_store)
{
	struct json_object *arr = session_list(state);

	ck_assert_ptr_nonnull(arr);
	ck_assert_uint_eq(json_object_array_length(arr), 0);
	json_object_put(arr);
}
END_TEST

START_TEST(test_session_running_follows_lock)
{
	struct session_meta m;
	char path[256];
	int fd;

	ck_assert_int_eq(session_create(state, &m), 0);
	ck_assert_int_eq(session_running(state, m.id), 0);
	snprintf(path, sizeof(path), "%s/sessions/%s/%s", state, m.id, SESSION_LOCK);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(session_running(state, m.id), 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	/* flock locks belong to the open file description: a child process
	 * tests it as another holder would. */
	if (fork() == 0)
		_exit(session_running(state, m.id) == 1 ? 0 : 1);
	{
		int st;
		wait(&st);
		ck_assert_int_eq(WEXITSTATUS(st), 0);
	}
	close(fd);
	ck_assert_int_eq(session_running(state, m.id), 0);
}
END_TEST

static const struct {
	const char *message, *title;
} titles[] = {
	{ "The VM is down", "The VM is down" },
	{ "  \n first line\nsecond", "first line" },
	{ "tab\there", "tab here" },
	{ "", "" },
	{ "trailing   ", "trailing" },
};

START_TEST(test_session_set_title_table)
{
	struct session_meta m;

	memset(&m, 0, sizeof(m));
	session_set_title(&m, titles[_i].message);
	ck_assert_str_eq(m.title, titles[_i].title);
}
END_TEST

START_TEST(test_session_set_title_cuts_on_utf8_boundary)
{
	struct session_meta m;
	char msg[BG_TITLE_MAX * 2 + 8];
	size_t i;

	/* 'a' then two-byte characters, so the cap falls inside one. */
	msg[0] = 'a';
	for (i = 1; i + 1 < sizeof(msg) - 1; i += 2) {
		msg[i] = (char)0xc3;
		msg[i + 1] = (char)0xa9;
	}
	msg[i] = '\0';
	memset(&m, 0, sizeof(m));
	session_set_title(&m, msg);
	ck_assert_uint_le(strlen(m.title), BG_TITLE_MAX);
	ck_assert_uint_eq(strlen(m.title) % 2, 1);
	ck_assert_int_eq((unsigned char)m.title[strlen(m.title) - 1], 0xa9);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_session_create_then_read);
	tcase_add_test(tc, test_session_read_unknown_is_1);
	tcase_add_test(tc, test_session_read_invalid_id_fails);
	tcase_add_test(tc, test_session_read_malformed_meta_fails);
	tcase_add_test(tc, test_session_list_newest_first);
	tcase_add_test(tc, test_session_list_skips_foreign_folders);
	tcase_add_test(tc, test_session_list_empty_store);
	tcase_add_test(tc, test_session_running_follows_lock);
	tcase_add_loop_test(tc, test_session_set_title_table, 0, sizeof(titles) / sizeof(titles[0]));
	tcase_add_test(tc, test_session_set_title_cuts_on_utf8_boundary);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
