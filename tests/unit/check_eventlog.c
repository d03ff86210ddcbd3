/* check_eventlog: the session event log: ids across writers and restarts, partial lines, resumable reads. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>

#include "bounds.h"
#include "eventlog.h"
#include "session.h"

#define WRITERS		8
#define PER_WRITER	250
#define SEEN_MAX	(WRITERS * PER_WRITER + 16)

static char			state[64];
static struct session_meta	meta;
static char			events_path[PATH_MAX];

/* What a read saw, in order. */
struct seen {
	int64_t	ids[SEEN_MAX];
	char	names[SEEN_MAX][BG_EVENT_NAME_MAX + 1];
	char	*last_data;	/* the last event's data, serialized */
	size_t	n;
	size_t	stop_at;	/* return 1 at this event, when nonzero */
};

static void
setup(void)
{
	char	dir[PATH_MAX - 32];
	int	n;

	snprintf(state, sizeof(state), "/tmp/check_eventlog.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(state));
	ck_assert_int_eq(session_create(state, &meta), 0);
	ck_assert_int_eq(session_dir(state, meta.id, dir, sizeof(dir)), 0);
	n = snprintf(events_path, sizeof(events_path), "%s/%s", dir, SESSION_EVENTS);
	ck_assert(n > 0 && (size_t)n < sizeof(events_path));
}

static void
teardown(void)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state);
	ck_assert_int_eq(system(cmd), 0);
}

static int
record(void *arg, int64_t id, const char *event, struct json_object *data)
{
	struct seen	*s = arg;

	ck_assert_uint_lt(s->n, SEEN_MAX);
	s->ids[s->n] = id;
	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", event);
	free(s->last_data);
	s->last_data = strdup(json_object_to_json_string_ext(data,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	s->n++;
	return s->stop_at != 0 && s->n == s->stop_at;
}

static int64_t
append_text(struct eventlog *log, const char *text)
{
	struct json_object	*data = json_object_new_object();
	int64_t			 id;

	json_object_object_add(data, "text", json_object_new_string(text));
	id = eventlog_append(log, "text", data);
	json_object_put(data);
	return id;
}

/* Append raw bytes to the log, as a crashed or foreign writer would. */
static void
append_raw(const char *bytes)
{
	int	fd = open(events_path, O_WRONLY | O_APPEND | O_CREAT, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, bytes, strlen(bytes)), (ssize_t)strlen(bytes));
	close(fd);
}

static char *
read_log(void)
{
	FILE	*fp = fopen(events_path, "r");
	char	*buf = calloc(1, 1 << 16);

	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_lt(fread(buf, 1, (1 << 16) - 1, fp), (1 << 16) - 1);
	fclose(fp);
	return buf;
}

START_TEST(test_eventlog_append_ids_from_one)
{
	struct eventlog		*log = eventlog_open(state, meta.id);
	struct json_object	*data = json_object_new_object();
	struct stat		 sb;
	char			*content;

	ck_assert_ptr_nonnull(log);
	ck_assert_int_eq(append_text(log, "a"), 1);
	json_object_object_add(data, "exit", json_object_new_int(0));
	json_object_object_add(data, "note", json_object_new_string("x\ny\xe2\x80\xa8/"));
	ck_assert_int_eq(eventlog_append(log, "done", data), 2);
	eventlog_close(log);
	json_object_put(data);

	content = read_log();
	ck_assert_str_eq(content,
	    "{\"id\":1,\"event\":\"text\",\"data\":{\"text\":\"a\"}}\n"
	    "{\"id\":2,\"event\":\"done\",\"data\":{\"exit\":0,\"note\":\"x\\ny\xe2\x80\xa8/\"}}\n");
	ck_assert_int_eq(stat(events_path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	free(content);
}
END_TEST

START_TEST(test_eventlog_append_continues_after_reopen)
{
	struct eventlog	*log = eventlog_open(state, meta.id);

	ck_assert_int_eq(append_text(log, "turn 1"), 1);
	ck_assert_int_eq(append_text(log, "turn 1"), 2);
	eventlog_close(log);

	log = eventlog_open(state, meta.id);
	ck_assert_int_eq(append_text(log, "turn 2"), 3);
	eventlog_close(log);
}
END_TEST

START_TEST(test_eventlog_append_two_open_logs_interleave)
{
	struct eventlog	*a = eventlog_open(state, meta.id);
	struct eventlog	*b = eventlog_open(state, meta.id);

	ck_assert_int_eq(append_text(a, "a"), 1);
	ck_assert_int_eq(append_text(b, "b"), 2);
	ck_assert_int_eq(append_text(a, "a"), 3);
	ck_assert_int_eq(append_text(a, "a"), 4);
	ck_assert_int_eq(append_text(b, "b"), 5);
	eventlog_close(a);
	eventlog_close(b);
}
END_TEST

START_TEST(test_eventlog_append_concurrent_writers_unique_ids)
{
	struct seen	*s = calloc(1, sizeof(*s));
	uint64_t	 offset = 0;
	pid_t		 pids[WRITERS];
	int		 i, j, status, gate[2];
	char		 c;

	/* The writers start together when the gate closes, to collide often. */
	ck_assert_int_eq(pipe(gate), 0);
	for (i = 0; i < WRITERS; i++) {
		ck_assert_int_ge(pids[i] = fork(), 0);
		if (pids[i] == 0) {
			struct eventlog *log = eventlog_open(state, meta.id);
			close(gate[1]);
			if (read(gate[0], &c, 1) != 0)
				_exit(1);
			for (j = 0; j < PER_WRITER; j++)
				if (log == NULL || append_text(log, "concurrent") < 1)
					_exit(1);
			eventlog_close(log);
			_exit(0);
		}
	}
	close(gate[0]);
	close(gate[1]);
	for (i = 0; i < WRITERS; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}

	ck_assert_int_eq(eventlog_read(state, meta.id, 0, &offset, record, s), WRITERS * PER_WRITER);
	for (i = 0; i < WRITERS * PER_WRITER; i++)
		ck_assert_int_eq(s->ids[i], i + 1);
	free(s->last_data);
	free(s);
}
END_TEST

START_TEST(test_eventlog_append_rejects_bad_names)
{
	static const char *const names[] = { "", "Text", "te xt", "text\n", "data:", "a_name_longer_than_thirty_two_bytes" };
	struct eventlog		*log = eventlog_open(state, meta.id);
	struct json_object	*data = json_object_new_object();
	size_t			 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_msg(eventlog_append(log, names[i], data) == -1, "name '%s' accepted", names[i]);
	ck_assert_int_eq(eventlog_append(log, "text", NULL), -1);
	ck_assert_int_eq(eventlog_append(log, "tool_output", data), 1);
	json_object_put(data);
	eventlog_close(log);
}
END_TEST

START_TEST(test_eventlog_open_invalid_session_fails)
{
	uint64_t	offset = 0;
	struct seen	s = { 0 };

	ck_assert_ptr_null(eventlog_open(state, "../../etc"));
	ck_assert_ptr_null(eventlog_open(state, "00000000-0000-4000-8000-00000000000A"));
	/* A valid id whose folder does not exist. */
	ck_assert_ptr_null(eventlog_open(state, "00000000-0000-4000-8000-000000000000"));
	ck_assert_int_eq(eventlog_read(state, "../x", 0, &offset, record, &s), -1);
}
END_TEST

START_TEST(test_eventlog_read_missing_log_empty)
{
	uint64_t	offset = 0;
	struct seen	s = { 0 };

	ck_assert_int_eq(eventlog_read(state, meta.id, 0, &offset, record, &s), 0);
	ck_assert_uint_eq(offset, 0);
}
END_TEST

START_TEST(test_eventlog_read_resumes_from_offset)
{
	struct eventlog	*log = eventlog_open(state, meta.id);
	struct seen	 s = { 0 };
	uint64_t	 offset = 0;
	struct stat	 sb;

	append_text(log, "one");
	append_text(log, "two");
	ck_assert_int_eq(eventlog_read(state, meta.id, 0, &offset, record, &s), 2);
	ck_assert_int_eq(stat(events_path, &sb), 0);
	ck_assert_uint_eq(offset, (uint64_t)sb.st_size);

	append_text(log, "three");
	ck_assert_int_eq(eventlog_read(state, meta.id, 0, &offset, record, &s), 1);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_int_eq(s.ids[2], 3);
	ck_assert_str_eq(s.last_data, "{\"text\":\"three\"}");
	ck_assert_int_eq(eventlog_read(state, meta.id, 0, &offset, record, &s), 0);
	free(s.last_data);
	eventlog_close(log);
}
END_TEST

START_TEST(test_eventlog_read_after_id_filters)
{
	struct eventlog	*log = eventlog_open(state, meta.id);
	struct seen	 s = { 0 };
	uint64_t	 offset = 0;
	int		 i;

	for (i = 0; i < 5; i++)
		append_text(log, "x");
	ck_assert_int_eq(eventlog_read(state, meta.id, 3, &offset, record, &s), 2);
	ck_assert_int_eq(s.ids[0], 4);
	ck_assert_int_eq(s.ids[1], 5);
	free(s.last_data);
	eventlog_close(log);
}
END_TEST

START_TEST(test_eventlog_read_stop_keeps_rest)
{
	struct eventlog	*log = eventlog_open(state, meta.id);
	struct seen	 s = { 0 };
	uint64_t	 offset = 0;

	append_text(log, "a");
	append_text(log, "b");
	append_text(log, "c");
	s.stop_at = 1;
	ck_assert_int_eq(eventlog_read(state, meta.id, 0, &offset, record, &s), 1);
	s.stop_at = 0;
	ck_assert_int_eq(eventlog_read(state, meta.id, 0, &offset, record, &s), 2);
	ck_assert_int_eq(s.ids[0], 1);
	ck_assert_int_eq(s.ids[1], 2);
	ck_assert_int_eq(s.ids[2], 3);
	free(s.last_data);
	eventlog_close(log);
}
END_TEST

START_TEST(test_eventlog_read_partial_line_withheld)
{
	struct eventlog	*log = eventlog_open(state, meta.id);
	struct seen	 s = { 0 };
	uint64_t	 offset = 0, before;

	append_text(log, "whole");
	append_raw("{\"id\":2,\"event\":\"text\",\"data\":{\"text\":\"ha");
	ck_assert_int_eq(eventlog_read(state, meta.id, 0, &offset, record, &s), 1);
	before = offset;
	ck_assert_int_eq(eventlog_read(state, meta.id, 0, &offset, record, &s), 0);
	ck_assert_uint_eq(offset, before);

	/* The rest of the line arrives: the reader picks it up from the same offset. */
	append_raw("lf\"}}\n");
	ck_assert_int_eq(eventlog_read(state, meta.id, 0, &offset, record, &s), 1);
	ck_assert_int_eq(s.ids[1], 2);
	ck_assert_str_eq(s.last_data, "{\"text\":\"half\"}");
	free(s.last_data);
	eventlog_close(log);
}
END_TEST

/* Every reader passes data on as an object; a line whose data is anything
 * else was not written by eventlog_append and is skipped. */
START_TEST(test_eventlog_read_skips_non_object_data)
{
	struct seen	 s = { 0 };
	uint64_t	 offset = 0;

	append_raw("{\"id\":1,\"event\":\"text\",\"data\":null}\n");
	append_raw("{\"id\":2,\"event\":\"text\",\"data\":\"x\"}\n");
	append_raw("{\"id\":3,\"event\":\"text\",\"data\":[1]}\n");
	append_raw("{\"id\":4,\"event\":\"text\",\"data\":{\"text\":\"ok\"}}\n");
	ck_assert_int_eq(eventlog_read(state, meta.id, 0, &offset, record, &s), 1);
	ck_assert_int_eq(s.ids[0], 4);
	free(s.last_data);
}
END_TEST

START_TEST(test_eventlog_append_after_cut_line)
{
	struct eventlog	*log = eventlog_open(state, meta.id);
	struct seen	 s = { 0 };
	uint64_t	 offset = 0;

	append_text(log, "one");
	eventlog_close(log);
	append_raw("{\"id\":2,\"event\":\"text\",\"da");	/* a write cut short by a crash */

	log = eventlog_open(state, meta.id);
	ck_assert_int_eq(append_text(log, "two"), 2);
	ck_assert_int_eq(eventlog_read(state, meta.id, 0, &offset, record, &s), 2);
	ck_assert_int_eq(s.ids[0], 1);
	ck_assert_int_eq(s.ids[1], 2);
	ck_assert_str_eq(s.last_data, "{\"text\":\"two\"}");
	free(s.last_data);
	eventlog_close(log);
}
END_TEST

START_TEST(test_eventlog_append_skips_invalid_last_lines)
{
	struct eventlog	*log = eventlog_open(state, meta.id);
	struct seen	 s = { 0 };
	uint64_t	 offset = 0;

	append_text(log, "one");
	append_text(log, "two");
	eventlog_close(log);
	append_raw("not json\n{\"id\":\"7\",\"event\":\"text\",\"data\":{}}\n\n");

	log = eventlog_open(state, meta.id);
	ck_assert_int_eq(append_text(log, "three"), 3);
	ck_assert_int_eq(eventlog_read(state, meta.id, 0, &offset, record, &s), 3);
	ck_assert_int_eq(s.ids[2], 3);
	free(s.last_data);
	eventlog_close(log);
}
END_TEST

START_TEST(test_eventlog_round_trip_large_and_odd_text)
{
	struct eventlog		*log = eventlog_open(state, meta.id);
	struct json_object	*data = json_object_new_object();
	struct seen		*s = calloc(1, sizeof(*s));
	uint64_t		 offset = 0;
	size_t			 big = 3 * 1024 * 1024;
	char			*text = malloc(big + 1), *expected;

	memset(text, 'q', big);
	text[big] = '\0';
	append_text(log, text);
	json_object_object_add(data, "text", json_object_new_string_len("nul\0end \xe2\x80\xa8", 11));
	ck_assert_int_eq(eventlog_append(log, "text", data), 2);

	ck_assert_int_eq(eventlog_read(state, meta.id, 0, &offset, record, s), 2);
	ck_assert_str_eq(s->last_data, "{\"text\":\"nul\\u0000end \xe2\x80\xa8\"}");
	ck_assert_int_eq(eventlog_read(state, meta.id, 1, &(uint64_t){ 0 }, record, s), 1);

	/* The big line came back whole. */
	s->n = 0;
	s->stop_at = 1;
	offset = 0;
	ck_assert_int_eq(eventlog_read(state, meta.id, 0, &offset, record, s), 1);
	ck_assert_uint_eq(strlen(s->last_data), big + strlen("{\"text\":\"\"}"));
	expected = strstr(s->last_data, "qqqq");
	ck_assert_ptr_nonnull(expected);
	free(s->last_data);
	free(s);
	free(text);
	json_object_put(data);
	eventlog_close(log);
}
END_TEST

START_TEST(test_eventlog_read_skips_overlong_line)
{
	struct eventlog	*log = eventlog_open(state, meta.id);
	struct seen	 s = { 0 };
	uint64_t	 offset = 0;
	size_t		 len = (size_t)BG_EVENT_LINE_MAX + 100;
	char		*junk = malloc(len + 2);
	int		 fd;

	memset(junk, 'j', len);
	junk[len] = '\n';
	junk[len + 1] = '\0';
	append_text(log, "before");
	fd = open(events_path, O_WRONLY | O_APPEND);
	ck_assert_int_eq(write(fd, junk, len + 1), (ssize_t)(len + 1));
	close(fd);
	eventlog_close(log);

	log = eventlog_open(state, meta.id);
	ck_assert_int_eq(append_text(log, "after"), 2);
	ck_assert_int_eq(eventlog_read(state, meta.id, 0, &offset, record, &s), 2);
	ck_assert_int_eq(s.ids[1], 2);
	ck_assert_str_eq(s.last_data, "{\"text\":\"after\"}");
	free(s.last_data);
	free(junk);
	eventlog_close(log);
}
END_TEST

static Suite *
eventlog_suite(void)
{
	Suite	*s = suite_create("eventlog");
	TCase	*tc = tcase_create("eventlog");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_eventlog_append_ids_from_one);
	tcase_add_test(tc, test_eventlog_append_continues_after_reopen);
	tcase_add_test(tc, test_eventlog_append_two_open_logs_interleave);
	tcase_add_test(tc, test_eventlog_append_concurrent_writers_unique_ids);
	tcase_add_test(tc, test_eventlog_append_rejects_bad_names);
	tcase_add_test(tc, test_eventlog_open_invalid_session_fails);
	tcase_add_test(tc, test_eventlog_read_missing_log_empty);
	tcase_add_test(tc, test_eventlog_read_resumes_from_offset);
	tcase_add_test(tc, test_eventlog_read_after_id_filters);
	tcase_add_test(tc, test_eventlog_read_stop_keeps_rest);
	tcase_add_test(tc, test_eventlog_read_partial_line_withheld);
	tcase_add_test(tc, test_eventlog_read_skips_non_object_data);
	tcase_add_test(tc, test_eventlog_append_after_cut_line);
	tcase_add_test(tc, test_eventlog_append_skips_invalid_last_lines);
	tcase_add_test(tc, test_eventlog_round_trip_large_and_odd_text);
	tcase_add_test(tc, test_eventlog_read_skips_overlong_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(eventlog_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
