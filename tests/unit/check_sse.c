/* check_sse: the server-sent event writer: headers, framing, names, one data line. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>

#include "sse.h"

#define OUT_MAX	(4 * 1024 * 1024)

/* Return everything written to the temporary file fd, from the start. */
static char *
slurp(int fd)
{
	char	*buf = calloc(1, OUT_MAX + 1);
	ssize_t	 n, len = 0;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	while ((n = read(fd, buf + len, (size_t)(OUT_MAX - len))) > 0)
		len += n;
	ck_assert_int_lt(len, OUT_MAX);
	return buf;
}

static int
scratch_fd(void)
{
	FILE	*fp = tmpfile();

	ck_assert_ptr_nonnull(fp);
	return dup(fileno(fp));
}

START_TEST(test_sse_begin_headers)
{
	int	 fd = scratch_fd();
	char	*out;

	ck_assert_int_eq(sse_begin(fd), 0);
	out = slurp(fd);
	ck_assert_str_eq(out, "Status: 200 OK\r\nContent-Type: text/event-stream\r\n"
	    "Cache-Control: no-store\r\nX-Accel-Buffering: no\r\n\r\n");
	free(out);
	close(fd);
}
END_TEST

START_TEST(test_sse_event_frame)
{
	struct json_object	*data = json_object_new_object();
	int			 fd = scratch_fd();
	char			*out;

	json_object_object_add(data, "text", json_object_new_string("a\nb\r\"c\"/\xe2\x80\xa8"));
	json_object_object_add(data, "parent", NULL);
	ck_assert_int_eq(sse_event(fd, 42, "text", data), 0);
	ck_assert_int_eq(sse_event(fd, 0, "error", data), 0);
	ck_assert_int_eq(sse_keepalive(fd), 0);
	out = slurp(fd);
	ck_assert_str_eq(out,
	    "id: 42\nevent: text\ndata: {\"text\":\"a\\nb\\r\\\"c\\\"/\xe2\x80\xa8\",\"parent\":null}\n\n"
	    "event: error\ndata: {\"text\":\"a\\nb\\r\\\"c\\\"/\xe2\x80\xa8\",\"parent\":null}\n\n"
	    ": keepalive\n\n");
	free(out);
	json_object_put(data);
	close(fd);
}
END_TEST

START_TEST(test_sse_event_nul_escaped)
{
	struct json_object	*data = json_object_new_object();
	int			 fd = scratch_fd();
	char			*out;

	json_object_object_add(data, "output", json_object_new_string_len("x\0y", 3));
	ck_assert_int_eq(sse_event(fd, 9223372036854775807LL, "tool", data), 0);
	out = slurp(fd);
	ck_assert_str_eq(out, "id: 9223372036854775807\nevent: tool\ndata: {\"output\":\"x\\u0000y\"}\n\n");
	free(out);
	json_object_put(data);
	close(fd);
}
END_TEST

static const char *const bad_names[] = {
	"", "Text", "te xt", "text\ndata: x", "text\r", "a:b", "caf\xc3\xa9",
	"an_event_name_longer_than_thirty_two",
};

START_TEST(test_sse_event_bad_name_rejected)
{
	struct json_object	*data = json_object_new_object();
	int			 fd = scratch_fd();
	char			*out;

	ck_assert_int_eq(sse_event(fd, 1, bad_names[_i], data), -1);
	out = slurp(fd);
	ck_assert_str_eq(out, "");
	free(out);
	json_object_put(data);
	close(fd);
}
END_TEST

START_TEST(test_sse_event_null_data_rejected)
{
	int	fd = scratch_fd();

	ck_assert_int_eq(sse_event(fd, 1, "done", NULL), -1);
	close(fd);
}
END_TEST

START_TEST(test_sse_event_large_whole)
{
	struct json_object	*data = json_object_new_object();
	size_t			 big = 2 * 1024 * 1024;
	char			*text = malloc(big), *out;
	int			 fd = scratch_fd();

	memset(text, 'z', big);
	json_object_object_add(data, "text", json_object_new_string_len(text, (int)big));
	ck_assert_int_eq(sse_event(fd, 3, "text", data), 0);
	out = slurp(fd);
	ck_assert_uint_eq(strlen(out), strlen("id: 3\nevent: text\ndata: {\"text\":\"\"}\n\n") + big);
	ck_assert_str_eq(out + strlen(out) - 4, "\"}\n\n");
	free(out);
	free(text);
	json_object_put(data);
	close(fd);
}
END_TEST

START_TEST(test_sse_event_closed_reader_fails)
{
	struct json_object	*data = json_object_new_object();
	int			 p[2];

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	ck_assert_int_eq(sse_event(p[1], 1, "done", data), -1);
	ck_assert_int_eq(sse_keepalive(p[1]), -1);
	close(p[1]);
	json_object_put(data);
}
END_TEST

static Suite *
sse_suite(void)
{
	Suite	*s = suite_create("sse");
	TCase	*tc = tcase_create("sse");

	tcase_add_test(tc, test_sse_begin_headers);
	tcase_add_test(tc, test_sse_event_frame);
	tcase_add_test(tc, test_sse_event_nul_escaped);
	tcase_add_loop_test(tc, test_sse_event_bad_name_rejected, 0,
	    (int)(sizeof(bad_names) / sizeof(bad_names[0])));
	tcase_add_test(tc, test_sse_event_null_data_rejected);
	tcase_add_test(tc, test_sse_event_large_whole);
	tcase_add_test(tc, test_sse_event_closed_reader_fails);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(sse_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
