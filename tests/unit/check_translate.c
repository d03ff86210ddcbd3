/* check_translate: lib/translate.c against every recorded CLI transcript and hand-made lines. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "bounds.h"
#include "translate.h"

#define FIXTURES_MAX	64
#define FILE_MAX	(8 * 1024 * 1024)
#define JSON_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define BAD_LINE	"error {\"code\":\"bad_line\",\"message\":\"A line of the CLI's output is not a JSON object and was skipped.\",\"fatal\":false}"
#define LONG_LINE	"error {\"code\":\"bad_line\",\"message\":\"A line of the CLI's output is longer than 16 MiB and was skipped.\",\"fatal\":false}"

static char	*fixtures[FIXTURES_MAX];	/* transcript names without .jsonl */
static size_t	 nfixtures;

/* The events of one translation, each as "name <json>". */
struct events {
	char	**lines;
	size_t	  n;
	size_t	  stop_at;	/* collect returns 7 at this event, when nonzero */
};

static int
collect(void *arg, const char *event, struct json_object *data)
{
	struct events	*ev = arg;
	const char	*json;
	size_t		 len, namelen = strlen(event);
	char		*line;

	json = json_object_to_json_string_length(data, JSON_FLAGS, &len);
	ck_assert_ptr_nonnull(json);
	line = malloc(namelen + 1 + len + 1);
	ck_assert_ptr_nonnull(line);
	memcpy(line, event, namelen);
	line[namelen] = ' ';
	memcpy(line + namelen + 1, json, len);
	line[namelen + 1 + len] = '\0';

	ev->lines = realloc(ev->lines, (ev->n + 1) * sizeof(*ev->lines));
	ck_assert_ptr_nonnull(ev->lines);
	ev->lines[ev->n++] = line;
	return ev->stop_at != 0 && ev->n == ev->stop_at ? 7 : 0;
}

static void
events_free(struct events *ev)
{
	size_t	i;

	for (i = 0; i < ev->n; i++)
		free(ev->lines[i]);
	free(ev->lines);
	memset(ev, 0, sizeof(*ev));
}

/* Return the events joined by newlines, or "" when there are none. */
static char *
events_join(const struct events *ev)
{
	size_t	i, len = 1;
	char	*out, *p;

	for (i = 0; i < ev->n; i++)
		len += strlen(ev->lines[i]) + 1;
	out = p = calloc(1, len);
	ck_assert_ptr_nonnull(out);
	for (i = 0; i < ev->n; i++) {
		p += strlen(memcpy(p, ev->lines[i], strlen(ev->lines[i]) + 1));
		if (i + 1 < ev->n)
			*p++ = '\n';
	}
	return out;
}

/* Return the event names joined by commas, such as "session,text,result". */
static char *
events_names(const struct events *ev)
{
	size_t	i, len = 1;
	char	*out;

	for (i = 0; i < ev->n; i++)
		len += strcspn(ev->lines[i], " ") + 1;
	out = calloc(1, len);
	ck_assert_ptr_nonnull(out);
	for (i = 0; i < ev->n; i++) {
		if (i > 0)
			strncat(out, ",", len - strlen(out) - 1);
		strncat(out, ev->lines[i], strcspn(ev->lines[i], " "));
	}
	return out;
}

/* Return the data of event i, parsed. */
static struct json_object *
event_data(const struct events *ev, size_t i)
{
	struct json_object	*data;

	ck_assert_uint_lt(i, ev->n);
	data = json_tokener_parse(strchr(ev->lines[i], ' ') + 1);
	ck_assert_ptr_nonnull(data);
	return data;
}

static const char *
field_string(struct json_object *obj, const char *key)
{
	struct json_object	*v;

	ck_assert_msg(json_object_object_get_ex(obj, key, &v), "no %s", key);
	return json_object_get_string(v);
}

static int
field_bool(struct json_object *obj, const char *key)
{
	struct json_object	*v;

	ck_assert_msg(json_object_object_get_ex(obj, key, &v) &&
	    json_object_is_type(v, json_type_boolean), "%s is not a boolean", key);
	return json_object_get_boolean(v);
}

static char *
read_file(const char *path, size_t *lenp)
{
	FILE	*fp = fopen(path, "rb");
	char	*buf;
	size_t	 len;

	ck_assert_msg(fp != NULL, "cannot open %s", path);
	buf = malloc(FILE_MAX + 1);
	ck_assert_ptr_nonnull(buf);
	len = fread(buf, 1, FILE_MAX + 1, fp);
	ck_assert_uint_le(len, FILE_MAX);
	fclose(fp);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

static const char *
fixture_dir(void)
{
	const char	*dir = getenv("BG_FIXTURES");

	return dir != NULL && dir[0] != '\0' ? dir : "../shared/fixtures/stream-json";
}

static void
fixture_path(char *out, size_t size, const char *name, int golden)
{
	const char	*root = getenv("BG_ROOT");
	int		 n;

	if (golden)
		n = snprintf(out, size, "%s/tests/unit/golden/%s.events", root ? root : ".", name);
	else
		n = snprintf(out, size, "%s/%s.jsonl", fixture_dir(), name);
	ck_assert(n > 0 && (size_t)n < size);
}

/* Translate a whole transcript, one line per newline, as the runner does. */
static void
translate_fixture(const char *name, struct events *ev, struct translate_state **stp)
{
	struct translate_state	*st = translate_new();
	char			 path[4096];
	char			*buf, *line, *nl;
	size_t			 len;

	ck_assert_ptr_nonnull(st);
	fixture_path(path, sizeof(path), name, 0);
	buf = read_file(path, &len);
	for (line = buf; line < buf + len; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(buf + len - line))) == NULL)
			nl = buf + len;
		ck_assert_int_eq(translate_line(st, line, (size_t)(nl - line), collect, ev), 0);
	}
	free(buf);
	if (stp != NULL)
		*stp = st;
	else
		translate_free(st);
}

/* Translate one hand-made line with a fresh state. */
static void
translate_one(const char *line, size_t len, struct events *ev)
{
	struct translate_state	*st = translate_new();

	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(translate_line(st, line, len, collect, ev), 0);
	translate_free(st);
}

/* ---- every transcript against its golden file ---- */

START_TEST(test_translate_line_fixture_matches_golden)
{
	struct events	 ev = { 0 };
	char		 path[4096];
	char		*golden, *got;
	size_t		 len, line = 1, i;

	translate_fixture(fixtures[_i], &ev, NULL);
	got = events_join(&ev);
	fixture_path(path, sizeof(path), fixtures[_i], 1);
	golden = read_file(path, &len);
	if (len > 0 && golden[len - 1] == '\n')
		golden[len - 1] = '\0';

	for (i = 0; golden[i] != '\0' && golden[i] == got[i]; i++)
		line += golden[i] == '\n';
	ck_assert_msg(strcmp(golden, got) == 0, "%s: events differ from %s at line %zu",
	    fixtures[_i], path, line);
	free(golden);
	free(got);
	events_free(&ev);
}
END_TEST

START_TEST(test_translate_line_fixtures_all_have_golden)
{
	static const char *const required[] = {
		"local-text-plain", "local-tools-bash-read", "local-parallel-tool-calls",
		"local-tool-errors", "local-permission-denied-default-mode",
		"local-error-max-turns", "local-partial-messages-tools", "local-long-text-line",
		"public-ccagent-2.0.22-image-tool-result-1MB-line", "local-unicode-emoji",
		"local-not-logged-in", "local-resume-unknown-session",
		"local-killed-sigterm-mid-stream",
	};
	char		 path[4096];
	size_t		 i, j;
	FILE		*fp;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		for (j = 0; j < nfixtures && strcmp(fixtures[j], required[i]) != 0; j++)
			;
		ck_assert_msg(j < nfixtures, "transcript %s is missing from %s", required[i], fixture_dir());
	}
	for (i = 0; i < nfixtures; i++) {
		fixture_path(path, sizeof(path), fixtures[i], 1);
		ck_assert_msg((fp = fopen(path, "r")) != NULL, "no golden file %s", path);
		fclose(fp);
	}
}
END_TEST

/* ---- properties of single transcripts, spelled out ---- */

START_TEST(test_translate_line_plain_text)
{
	struct translate_state	*st;
	struct events		 ev = { 0 };
	struct json_object	*result;
	char			*names;

	translate_fixture("local-text-plain", &ev, &st);
	names = events_names(&ev);
	ck_assert_str_eq(names, "session,text,result");
	result = event_data(&ev, 2);
	ck_assert(field_bool(result, "ok"));
	ck_assert_str_eq(field_string(result, "text"), "Hello! The server looks healthy.\n\nNothing else to report.");
	ck_assert_int_eq(translate_saw_result(st), 1);
	ck_assert_str_eq(translate_cli_session(st), "2867922c-8521-45c8-b964-bc95b38c3362");
	json_object_put(result);
	free(names);
	events_free(&ev);
	translate_free(st);
}
END_TEST

START_TEST(test_translate_line_partial_messages_no_duplicate_text)
{
	struct events	 ev = { 0 };
	char		*names, all[256] = "";
	size_t		 i;

	translate_fixture("local-partial-messages-tools", &ev, NULL);
	names = events_names(&ev);
	ck_assert_str_eq(names, "session,text,text,tool,tool,tool,tool,text,text,result");
	for (i = 0; i < ev.n; i++) {
		struct json_object *d = event_data(&ev, i);
		if (strncmp(ev.lines[i], "text ", 5) == 0)
			strncat(all, field_string(d, "text"), sizeof(all) - strlen(all) - 1);
		json_object_put(d);
	}
	ck_assert_str_eq(all, "I'll check the system.The kernel is Linux and demo.txt has 3 lines.");
	free(names);
	events_free(&ev);
}
END_TEST

START_TEST(test_translate_line_tools_missing_is_error_false)
{
	struct events		 ev = { 0 };
	struct json_object	*bash, *read;

	translate_fixture("local-tools-bash-read", &ev, NULL);
	bash = event_data(&ev, 3);
	read = event_data(&ev, 5);
	ck_assert_str_eq(field_string(read, "id"), "toolu_02ReadAAAAAAAAAAAAAAAAAAA");
	ck_assert_str_eq(field_string(read, "output"), "1\talpha\n2\tbeta\n3\tgamma\n4\t");
	ck_assert(!field_bool(read, "is_error"));
	ck_assert(!field_bool(bash, "is_error"));
	ck_assert(!field_bool(bash, "truncated"));
	json_object_put(bash);
	json_object_put(read);
	events_free(&ev);
}
END_TEST

START_TEST(test_translate_line_tool_errors_flagged)
{
	struct events		 ev = { 0 };
	struct json_object	*read, *bash;

	translate_fixture("local-tool-errors", &ev, NULL);
	read = event_data(&ev, 2);
	bash = event_data(&ev, 4);
	ck_assert(field_bool(read, "is_error"));
	ck_assert(field_bool(bash, "is_error"));
	ck_assert_str_eq(field_string(bash, "output"),
	    "Exit code 3\nls: cannot access '/nonexistent-dir': No such file or directory");
	json_object_put(read);
	json_object_put(bash);
	events_free(&ev);
}
END_TEST

START_TEST(test_translate_line_permission_denied_nonfatal)
{
	struct events		 ev = { 0 };
	struct json_object	*err;
	char			*names;

	translate_fixture("local-permission-denied-default-mode", &ev, NULL);
	names = events_names(&ev);
	ck_assert_str_eq(names, "session,tool,error,tool,text,result");
	err = event_data(&ev, 2);
	ck_assert_str_eq(field_string(err, "code"), "permission_denied");
	ck_assert_str_eq(field_string(err, "message"),
	    "Permission to use Bash was denied: This command requires approval");
	ck_assert(!field_bool(err, "fatal"));
	json_object_put(err);
	free(names);
	events_free(&ev);
}
END_TEST

START_TEST(test_translate_line_max_turns_not_ok)
{
	struct events		 ev = { 0 };
	struct json_object	*result;

	translate_fixture("local-error-max-turns", &ev, NULL);
	result = event_data(&ev, ev.n - 1);
	ck_assert(!field_bool(result, "ok"));
	ck_assert_str_eq(field_string(result, "subtype"), "error_max_turns");
	ck_assert_str_eq(field_string(result, "text"), "Reached maximum number of turns (2)");
	json_object_put(result);
	events_free(&ev);
}
END_TEST

START_TEST(test_translate_line_not_logged_in_not_ok)
{
	struct events		 ev = { 0 };
	struct json_object	*result;
	char			*names;

	translate_fixture("local-not-logged-in", &ev, NULL);
	names = events_names(&ev);
	ck_assert_str_eq(names, "session,text,result");
	result = event_data(&ev, 2);
	ck_assert(!field_bool(result, "ok"));
	ck_assert_str_eq(field_string(result, "subtype"), "success");
	ck_assert_str_eq(field_string(result, "text"), "Not logged in \xc2\xb7 Please run /login");
	json_object_put(result);
	free(names);
	events_free(&ev);
}
END_TEST

START_TEST(test_translate_line_unknown_resume_errors_joined)
{
	struct translate_state	*st;
	struct events		 ev = { 0 };
	struct json_object	*result;
	char			*names;

	translate_fixture("local-resume-unknown-session", &ev, &st);
	names = events_names(&ev);
	ck_assert_str_eq(names, "result");
	result = event_data(&ev, 0);
	ck_assert(!field_bool(result, "ok"));
	ck_assert_str_eq(field_string(result, "text"),
	    "No conversation found with session ID: 99999999-2222-4333-8444-555555555555");
	ck_assert_str_eq(translate_cli_session(st), "99999999-2222-4333-8444-555555555555");
	json_object_put(result);
	free(names);
	events_free(&ev);
	translate_free(st);
}
END_TEST

START_TEST(test_translate_line_sigterm_no_result)
{
	struct translate_state	*st;
	struct events		 ev = { 0 };
	char			*names;

	translate_fixture("local-killed-sigterm-mid-stream", &ev, &st);
	names = events_names(&ev);
	ck_assert_str_eq(names, "session,text,text,text,text,text");
	ck_assert_int_eq(translate_saw_result(st), 0);
	free(names);
	events_free(&ev);
	translate_free(st);
}
END_TEST

START_TEST(test_translate_line_image_block_marked)
{
	struct events		 ev = { 0 };
	struct json_object	*out;

	translate_fixture("public-ccagent-2.0.22-image-tool-result-1MB-line", &ev, NULL);
	out = event_data(&ev, 2);
	ck_assert_str_eq(field_string(out, "output"), "[image]");
	ck_assert(!field_bool(out, "truncated"));
	json_object_put(out);
	events_free(&ev);
}
END_TEST

START_TEST(test_translate_line_long_text_whole)
{
	struct events		 ev = { 0 };
	struct json_object	*text, *result;

	translate_fixture("local-long-text-line", &ev, NULL);
	text = event_data(&ev, 1);
	result = event_data(&ev, 2);
	ck_assert_uint_gt(strlen(field_string(text, "text")), 200000);
	ck_assert_str_eq(field_string(text, "text"), field_string(result, "text"));
	json_object_put(text);
	json_object_put(result);
	events_free(&ev);
}
END_TEST

START_TEST(test_translate_line_unicode_kept)
{
	struct events		 ev = { 0 };
	struct json_object	*text;

	translate_fixture("local-unicode-emoji", &ev, NULL);
	text = event_data(&ev, 1);
	ck_assert_ptr_nonnull(strstr(field_string(text, "text"), "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb"));
	ck_assert_ptr_nonnull(strstr(field_string(text, "text"), "U+2028:\xe2\x80\xa8" "after."));
	json_object_put(text);
	events_free(&ev);
}
END_TEST

/* ---- hand-made lines ---- */

struct line_case {
	const char	*name;
	const char	*line;
	size_t		 len;		/* 0: strlen(line) */
	const char	*expected;	/* events joined by newlines */
};

#define TEXT_LINE(s)	"{\"type\":\"assistant\",\"message\":{\"id\":\"m1\",\"content\":[{\"type\":\"text\",\"text\":\"" s "\"}]}}"
#define TEXT_EVENT(s)	"text {\"text\":\"" s "\",\"parent\":null}"

static const struct line_case line_cases[] = {
	{ "not JSON", "hello", 0, BAD_LINE },
	{ "array", "[{\"type\":\"result\"}]", 0, BAD_LINE },
	{ "string", "\"result\"", 0, BAD_LINE },
	{ "number", "42 ", 0, BAD_LINE },
	{ "truncated object", "{\"type\":\"result\",\"is_error\":fal", 0, BAD_LINE },
	{ "NaN", "{\"type\":\"result\",\"total_cost_usd\":NaN}", 0, BAD_LINE },
	{ "Infinity deep", "{\"type\":\"user\",\"x\":[{\"y\":-Infinity}]}", 0, BAD_LINE },
	{ "trailing bytes", "{\"type\":\"x\"} y", 0, BAD_LINE },
	{ "two objects", "{\"type\":\"x\"}{\"type\":\"y\"}", 0, BAD_LINE },
	{ "trailing comma", "{\"type\":\"x\",}", 0, BAD_LINE },
	{ "raw NUL byte", "{\"type\":\"x\0\"}", 13, BAD_LINE },
	{ "empty line", "", 0, "" },
	{ "blank line", " \t\r", 0, "" },
	{ "trailing whitespace", "{\"type\":\"x\"} \r", 0, "" },
	{ "unknown type", "{\"type\":\"control_request\",\"request\":{}}", 0, "" },
	{ "no type", "{\"subtype\":\"init\"}", 0, "" },
	{ "unknown system subtype", "{\"type\":\"system\",\"subtype\":\"task_started\"}", 0, "" },
	{ "type with NUL escape", "{\"type\":\"assistant\\u0000x\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"t\"}]}}", 0, "" },
	{ "thinking skipped", "{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"hm\"},{\"type\":\"text\",\"text\":\"ok\"}]}}", 0, TEXT_EVENT("ok") },
	{ "thinking delta skipped", "{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_delta\",\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hm\"}}}", 0, "" },
	{ "user text skipped", "{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"[Request interrupted by user]\"}]}}", 0, "" },
	{ "empty text skipped", TEXT_LINE(""), 0, "" },
	{ "NUL escape kept", TEXT_LINE("a\\u0000b"), 0, TEXT_EVENT("a\\u0000b") },
	{ "invalid byte", TEXT_LINE("a\xff" "b"), 0, TEXT_EVENT("a\xef\xbf\xbd" "b") },
	{ "truncated sequence", TEXT_LINE("a\xe2\x82" "b"), 0, TEXT_EVENT("a\xef\xbf\xbd" "b") },
	{ "encoded surrogate", TEXT_LINE("\xed\xa0\x80"), 0, TEXT_EVENT("\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd") },
	{ "overlong slash", TEXT_LINE("\xc0\xaf"), 0, TEXT_EVENT("\xef\xbf\xbd\xef\xbf\xbd") },
	{ "above U+10FFFF", TEXT_LINE("\xf4\x90\x80\x80"), 0, TEXT_EVENT("\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd") },
	{ "invalid at line end", TEXT_LINE("x") "\xc3", 0, BAD_LINE },
	{ "lone surrogate escape", TEXT_LINE("\\ud800"), 0, TEXT_EVENT("\xef\xbf\xbd") },
	{ "pair escape", TEXT_LINE("\\ud83d\\ude80"), 0, TEXT_EVENT("\xf0\x9f\x9a\x80") },
	{ "text content string", "{\"type\":\"assistant\",\"message\":{\"content\":\"plain\"},\"parent_tool_use_id\":\"toolu_P\"}", 0,
	  "text {\"text\":\"plain\",\"parent\":\"toolu_P\"}" },
	{ "tool call defaults", "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"Bash\"}]},\"parent_tool_use_id\":\"toolu_P\"}", 0,
	  "tool {\"id\":\"t1\",\"name\":\"Bash\",\"input\":{},\"parent\":\"toolu_P\"}" },
	{ "tool output blocks", "{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\",\"is_error\":\"true\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"image\",\"source\":{}},{\"type\":\"other\"},{\"type\":\"text\",\"text\":\"b\"}]}]}}", 0,
	  "tool {\"id\":\"t1\",\"output\":\"a\\n[image]\\nb\",\"is_error\":false,\"truncated\":false,\"parent\":null}" },
	{ "tool output missing content", "{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\",\"is_error\":true}]}}", 0,
	  "tool {\"id\":\"t1\",\"output\":\"\",\"is_error\":true,\"truncated\":false,\"parent\":null}" },
	{ "result without is_error", "{\"type\":\"result\",\"subtype\":\"error_during_execution\"}", 0,
	  "result {\"ok\":false,\"subtype\":\"error_during_execution\",\"text\":\"\",\"turns\":0,\"duration_ms\":0,\"cost_usd\":0.0}" },
	{ "result success is_error", "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":true,\"result\":\"r\",\"errors\":[\"e\"],\"num_turns\":2,\"duration_ms\":5.0,\"total_cost_usd\":1}", 0,
	  "result {\"ok\":false,\"subtype\":\"success\",\"text\":\"r\",\"turns\":2,\"duration_ms\":5,\"cost_usd\":1}" },
	{ "result errors joined", "{\"type\":\"result\",\"is_error\":false,\"errors\":[\"one\",3,\"two\"],\"total_cost_usd\":\"x\"}", 0,
	  "result {\"ok\":true,\"subtype\":\"\",\"text\":\"one\\ntwo\",\"turns\":0,\"duration_ms\":0,\"cost_usd\":0.0}" },
	{ "api retry", "{\"type\":\"system\",\"subtype\":\"api_retry\",\"attempt\":2,\"max_retries\":10,\"retry_delay_ms\":1200,\"error_status\":529,\"error\":\"overloaded\"}", 0,
	  "error {\"code\":\"api_retry\",\"message\":\"The model API request failed with HTTP status 529 (overloaded); the CLI is retrying, attempt 2 of 10 in 1200 ms.\",\"fatal\":false}" },
	{ "api retry bare", "{\"type\":\"system\",\"subtype\":\"api_retry\",\"error_status\":null,\"error\":\"Bad <b>\"}", 0,
	  "error {\"code\":\"api_retry\",\"message\":\"The model API request failed; the CLI is retrying.\",\"fatal\":false}" },
	{ "permission denied bare", "{\"type\":\"system\",\"subtype\":\"permission_denied\"}", 0,
	  "error {\"code\":\"permission_denied\",\"message\":\"Permission to use a tool was denied: no reason given\",\"fatal\":false}" },
	{ "init", "{\"type\":\"system\",\"subtype\":\"init\",\"cwd\":\"/secret/path\",\"session_id\":\"s1\",\"model\":\"m\",\"tools\":[\"Bash\"]}", 0,
	  "session {\"session\":\"s1\",\"model\":\"m\",\"resumed\":false}" },
};

START_TEST(test_translate_line_table)
{
	const struct line_case	*c = &line_cases[_i];
	struct events		 ev = { 0 };
	char			*got;

	translate_one(c->line, c->len ? c->len : strlen(c->line), &ev);
	got = events_join(&ev);
	ck_assert_msg(strcmp(got, c->expected) == 0, "%s: got '%s', expected '%s'", c->name, got, c->expected);
	free(got);
	events_free(&ev);
}
END_TEST

START_TEST(test_translate_line_deltas_suppress_full_text)
{
	static const char *const lines[] = {
		"{\"type\":\"stream_event\",\"event\":{\"type\":\"message_start\",\"message\":{\"id\":\"old1\"}}}",
		"{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"He\"}}}",
		"{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"llo\"}}}",
		"{\"type\":\"assistant\",\"message\":{\"id\":\"old1\",\"content\":[{\"type\":\"text\",\"text\":\"Hello\"},{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"Read\",\"input\":{\"a\":[1,2.5]}}]}}",
		"{\"type\":\"assistant\",\"message\":{\"id\":\"other\",\"content\":[{\"type\":\"text\",\"text\":\"Synthetic\"}]}}",
		"{\"type\":\"stream_event\",\"api_message_id\":\"new2\",\"event\":{\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"Bye\"}}}",
		"{\"type\":\"assistant\",\"message\":{\"id\":\"new2\",\"content\":[{\"type\":\"text\",\"text\":\"Bye\"}]}}",
		"{\"type\":\"assistant\",\"message\":{\"id\":\"old1\",\"content\":[{\"type\":\"text\",\"text\":\"Hello again\"}]}}",
	};
	static const char expected[] =
	    TEXT_EVENT("He") "\n" TEXT_EVENT("llo") "\n"
	    "tool {\"id\":\"t\",\"name\":\"Read\",\"input\":{\"a\":[1,2.5]},\"parent\":null}\n"
	    TEXT_EVENT("Synthetic") "\n" TEXT_EVENT("Bye");
	struct translate_state	*st = translate_new();
	struct events		 ev = { 0 };
	char			*got;
	size_t			 i;

	ck_assert_ptr_nonnull(st);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ck_assert_int_eq(translate_line(st, lines[i], strlen(lines[i]), collect, &ev), 0);
	got = events_join(&ev);
	ck_assert_str_eq(got, expected);
	free(got);
	events_free(&ev);
	translate_free(st);
}
END_TEST

START_TEST(test_translate_line_first_init_only_resumed)
{
	static const char init1[] = "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"first\",\"model\":\"m\"}";
	static const char init2[] = "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"second\"}";
	struct translate_state	*st = translate_new();
	struct events		 ev = { 0 };

	ck_assert_ptr_nonnull(st);
	ck_assert_ptr_null(translate_cli_session(st));
	translate_set_resumed(st, 1);
	ck_assert_int_eq(translate_line(st, init1, strlen(init1), collect, &ev), 0);
	ck_assert_int_eq(translate_line(st, init2, strlen(init2), collect, &ev), 0);
	ck_assert_uint_eq(ev.n, 1);
	ck_assert_str_eq(ev.lines[0], "session {\"session\":\"first\",\"model\":\"m\",\"resumed\":true}");
	ck_assert_str_eq(translate_cli_session(st), "second");
	ck_assert_int_eq(translate_saw_result(st), 0);
	events_free(&ev);
	translate_free(st);
}
END_TEST

START_TEST(test_translate_line_emit_stop_returned)
{
	static const char line[] = "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"},{\"type\":\"text\",\"text\":\"c\"}]}}";
	struct translate_state	*st = translate_new();
	struct events		 ev = { 0 };

	ck_assert_ptr_nonnull(st);
	ev.stop_at = 2;
	ck_assert_int_eq(translate_line(st, line, strlen(line), collect, &ev), 7);
	ck_assert_uint_eq(ev.n, 2);
	events_free(&ev);
	translate_free(st);
}
END_TEST

/* Build a user line whose tool_result content is prefix_len 'a's then tail. */
static char *
tool_output_line(size_t prefix_len, const char *tail, size_t *lenp)
{
	static const char head[] = "{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":\"";
	static const char foot[] = "\"}]}}";
	size_t	len = strlen(head) + prefix_len + strlen(tail) + strlen(foot);
	char	*line = malloc(len + 1);

	ck_assert_ptr_nonnull(line);
	memcpy(line, head, strlen(head));
	memset(line + strlen(head), 'a', prefix_len);
	memcpy(line + strlen(head) + prefix_len, tail, strlen(tail));
	memcpy(line + len - strlen(foot), foot, strlen(foot) + 1);
	*lenp = len;
	return line;
}

static const struct boundary_case {
	size_t		 prefix;	/* 'a's before the tail */
	const char	*tail;
	size_t		 out_len;	/* bytes of output kept */
	int		 truncated;
} boundary_cases[] = {
	{ BG_TOOL_OUTPUT_MAX, "", BG_TOOL_OUTPUT_MAX, 0 },
	{ BG_TOOL_OUTPUT_MAX, "b", BG_TOOL_OUTPUT_MAX, 1 },
	{ BG_TOOL_OUTPUT_MAX - 2, "\xc3\xa9", BG_TOOL_OUTPUT_MAX, 0 },
	{ BG_TOOL_OUTPUT_MAX - 1, "\xc3\xa9", BG_TOOL_OUTPUT_MAX - 1, 1 },
	{ BG_TOOL_OUTPUT_MAX - 1, "\xe2\x82\xac", BG_TOOL_OUTPUT_MAX - 1, 1 },
	{ BG_TOOL_OUTPUT_MAX - 2, "\xe2\x82\xac", BG_TOOL_OUTPUT_MAX - 2, 1 },
	{ BG_TOOL_OUTPUT_MAX - 3, "\xf0\x9f\x9a\x80", BG_TOOL_OUTPUT_MAX - 3, 1 },
	{ BG_TOOL_OUTPUT_MAX - 4, "\xf0\x9f\x9a\x80", BG_TOOL_OUTPUT_MAX, 0 },
	{ BG_TOOL_OUTPUT_MAX - 1, "\\u00e9", BG_TOOL_OUTPUT_MAX - 1, 1 },
};

START_TEST(test_translate_line_tool_output_utf8_boundary)
{
	const struct boundary_case	*c = &boundary_cases[_i];
	struct events			 ev = { 0 };
	struct json_object		*data, *output;
	size_t				 len;
	char				*line = tool_output_line(c->prefix, c->tail, &len);

	translate_one(line, len, &ev);
	ck_assert_uint_eq(ev.n, 1);
	data = event_data(&ev, 0);
	ck_assert(json_object_object_get_ex(data, "output", &output));
	ck_assert_uint_eq((size_t)json_object_get_string_len(output), c->out_len);
	ck_assert_int_eq(field_bool(data, "truncated"), c->truncated);
	json_object_put(data);
	events_free(&ev);
	free(line);
}
END_TEST

START_TEST(test_translate_line_permission_message_cut)
{
	static const char head[] = "{\"type\":\"system\",\"subtype\":\"permission_denied\",\"tool_name\":\"Bash\",\"message\":\"";
	struct events		 ev = { 0 };
	struct json_object	*data;
	char			 line[4096];
	size_t			 n = strlen(head), i;

	memcpy(line, head, n);
	for (i = 0; i < 1000; i++, n += 2)
		memcpy(line + n, "\xc3\xa9", 2);
	memcpy(line + n, "\"}", 3);
	translate_one(line, strlen(line), &ev);
	data = event_data(&ev, 0);
	/* "Permission to use Bash was denied: " is 35 bytes, then whole é's. */
	ck_assert_uint_eq(strlen(field_string(data, "message")), 35 + 2 * ((BG_EVENT_MESSAGE_MAX - 35) / 2));
	json_object_put(data);
	events_free(&ev);
}
END_TEST

START_TEST(test_translate_line_depth_limit)
{
	char		 line[2 * BG_STREAM_JSON_DEPTH + 64];
	struct events	 ev = { 0 };
	char		*got;
	size_t		 i, n = 0;

	n += (size_t)snprintf(line, sizeof(line), "{\"type\":\"x\",\"a\":");
	for (i = 0; i < BG_STREAM_JSON_DEPTH; i++)
		line[n++] = '[';
	for (i = 0; i < BG_STREAM_JSON_DEPTH; i++)
		line[n++] = ']';
	line[n++] = '}';
	translate_one(line, n, &ev);
	got = events_join(&ev);
	ck_assert_str_eq(got, BAD_LINE);
	free(got);
	events_free(&ev);
}
END_TEST

START_TEST(test_translate_line_over_limit_rejected)
{
	size_t		 len = 20 * 1024 * 1024;
	char		*line = malloc(len), *got;
	struct events	 ev = { 0 };

	ck_assert_ptr_nonnull(line);
	memset(line, ' ', len);
	memcpy(line, "{\"type\":\"x\",\"pad\":\"", 19);
	memcpy(line + len - 2, "\"}", 2);
	translate_one(line, len, &ev);
	got = events_join(&ev);
	ck_assert_str_eq(got, LONG_LINE);
	free(got);
	events_free(&ev);

	/* One byte over the limit is too long; exactly the limit is a line. */
	translate_one(line + len - BG_STREAM_LINE_MAX - 1, BG_STREAM_LINE_MAX + 1, &ev);
	ck_assert_uint_eq(ev.n, 1);
	ck_assert_str_eq(ev.lines[0], LONG_LINE);
	events_free(&ev);
	memcpy(line + len - BG_STREAM_LINE_MAX, TEXT_LINE("big"), strlen(TEXT_LINE("big")));
	memcpy(line + len - 2, "  ", 2);
	translate_one(line + len - BG_STREAM_LINE_MAX, BG_STREAM_LINE_MAX, &ev);
	ck_assert_uint_eq(ev.n, 1);
	ck_assert_str_eq(ev.lines[0], TEXT_EVENT("big"));
	events_free(&ev);
	free(line);
}
END_TEST

/* Collect the fixture names in the folder, sorted, before the suite runs. */
static int
fixtures_scan(void)
{
	struct dirent	**list;
	int		  n, i;
	size_t		  len;

	if ((n = scandir(fixture_dir(), &list, NULL, alphasort)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		len = strlen(list[i]->d_name);
		if (len > 6 && strcmp(list[i]->d_name + len - 6, ".jsonl") == 0 && nfixtures < FIXTURES_MAX)
			fixtures[nfixtures++] = strndup(list[i]->d_name, len - 6);
		free(list[i]);
	}
	free(list);
	return 0;
}

static Suite *
translate_suite(void)
{
	Suite	*s = suite_create("translate");
	TCase	*fix = tcase_create("fixtures");
	TCase	*lines = tcase_create("lines");

	tcase_set_timeout(fix, 60);
	tcase_add_loop_test(fix, test_translate_line_fixture_matches_golden, 0, (int)nfixtures);
	tcase_add_test(fix, test_translate_line_fixtures_all_have_golden);
	tcase_add_test(fix, test_translate_line_plain_text);
	tcase_add_test(fix, test_translate_line_partial_messages_no_duplicate_text);
	tcase_add_test(fix, test_translate_line_tools_missing_is_error_false);
	tcase_add_test(fix, test_translate_line_tool_errors_flagged);
	tcase_add_test(fix, test_translate_line_permission_denied_nonfatal);
	tcase_add_test(fix, test_translate_line_max_turns_not_ok);
	tcase_add_test(fix, test_translate_line_not_logged_in_not_ok);
	tcase_add_test(fix, test_translate_line_unknown_resume_errors_joined);
	tcase_add_test(fix, test_translate_line_sigterm_no_result);
	tcase_add_test(fix, test_translate_line_image_block_marked);
	tcase_add_test(fix, test_translate_line_long_text_whole);
	tcase_add_test(fix, test_translate_line_unicode_kept);
	suite_add_tcase(s, fix);

	tcase_set_timeout(lines, 60);
	tcase_add_loop_test(lines, test_translate_line_table, 0,
	    (int)(sizeof(line_cases) / sizeof(line_cases[0])));
	tcase_add_test(lines, test_translate_line_deltas_suppress_full_text);
	tcase_add_test(lines, test_translate_line_first_init_only_resumed);
	tcase_add_test(lines, test_translate_line_emit_stop_returned);
	tcase_add_loop_test(lines, test_translate_line_tool_output_utf8_boundary, 0,
	    (int)(sizeof(boundary_cases) / sizeof(boundary_cases[0])));
	tcase_add_test(lines, test_translate_line_permission_message_cut);
	tcase_add_test(lines, test_translate_line_depth_limit);
	tcase_add_test(lines, test_translate_line_over_limit_rejected);
	suite_add_tcase(s, lines);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	if (fixtures_scan() != 0 || nfixtures == 0)
		fprintf(stderr, "check_translate: no transcripts in %s\n", fixture_dir());
	sr = srunner_create(translate_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
