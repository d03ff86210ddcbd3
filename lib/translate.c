/* translate.c: maps each line of the Claude Code CLI's stream-json output to breakglass chat events. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>

#include "bounds.h"
#include "jsoncheck.h"
#include "translate.h"
#include "utf8.h"

#define IMAGE_MARK	"[image]"
#define KEEP_MAX	(1024 * 1024)	/* bytes of buffers kept from one line to the next */

_Static_assert(BG_STREAM_LINE_MAX == 16 * 1024 * 1024, "the bad_line message names 16 MiB");

/* A bounded text being assembled; what does not fit is cut on a UTF-8
 * boundary and marks it truncated. */
struct textbuf {
	char	*data;
	size_t	 cap;
	size_t	 len;
	int	 truncated;
};

struct translate_state {
	struct json_tokener	*tok;
	char			*repaired;	/* the line with invalid UTF-8 replaced */
	size_t			 repaired_size;
	char			*delta_ids[BG_DELTA_IDS];	/* ring: messages that streamed text */
	size_t			 delta_next;
	char			 stream_msg[BG_CLI_ID_MAX + 1];	/* the last message_start's id */
	char			 cli_session[BG_CLI_ID_MAX + 1];
	int			 saw_init;
	int			 saw_result;
	int			 resumed;
	char			 output[BG_TOOL_OUTPUT_MAX];	/* a tool output being flattened */
};

/* The context every handler needs: where events go. */
struct sink {
	struct translate_state	*st;
	translate_emit_fn	 emit;
	void			*arg;
};

/* ---- UTF-8 ---- */

/* Return the line with every invalid UTF-8 subpart replaced by U+FFFD: the
 * line itself when it is valid, else a copy in st->repaired. NULL when out
 * of memory. */
static const char *
repair_line(struct translate_state *st, const char *line, size_t len, size_t *outlen)
{
	if (utf8_valid_prefix(line, len) == len) {
		*outlen = len;
		return line;
	}

	/* Each invalid byte grows to at most three. */
	if (st->repaired_size < len * UTF8_REPLACEMENT_LEN) {
		free(st->repaired);
		st->repaired_size = 0;
		if ((st->repaired = malloc(len * UTF8_REPLACEMENT_LEN)) == NULL)
			return NULL;
		st->repaired_size = len * UTF8_REPLACEMENT_LEN;
	}
	*outlen = utf8_repair(st->repaired, line, len);
	return st->repaired;
}

/* ---- bounded text ---- */

static void
textbuf_add(struct textbuf *b, const char *s, size_t n)
{
	size_t	room = b->cap - b->len;

	if (b->truncated)
		return;
	if (n > room) {
		/* Back off to the start of the character that does not fit. */
		n = room;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		b->truncated = 1;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

static void
textbuf_add_json(struct textbuf *b, struct json_object *str)
{
	if (json_object_is_type(str, json_type_string))
		textbuf_add(b, json_object_get_string(str), (size_t)json_object_get_string_len(str));
}

/* ---- reading the parsed line ---- */

static struct json_object *
member(struct json_object *obj, const char *key)
{
	struct json_object	*value;

	if (!json_object_object_get_ex(obj, key, &value))
		return NULL;
	return value;
}

/* Return 1 when obj is a string equal to lit, compared over its whole length
 * (a "\u0000" inside it does not end it early). */
static int
string_is(struct json_object *obj, const char *lit)
{
	size_t	n = strlen(lit);

	if (!json_object_is_type(obj, json_type_string))
		return 0;
	return (size_t)json_object_get_string_len(obj) == n &&
	    memcmp(json_object_get_string(obj), lit, n) == 0;
}

/* Return the member as a new reference when it is a string, else NULL (JSON null). */
static struct json_object *
string_ref(struct json_object *obj, const char *key)
{
	struct json_object	*value = member(obj, key);

	if (!json_object_is_type(value, json_type_string))
		return NULL;
	return json_object_get(value);
}

/* Copy a string member that is 1 to BG_CLI_ID_MAX bytes without NUL into
 * out[BG_CLI_ID_MAX + 1]; return 0, or -1 and leave out unchanged. */
static int
copy_id(struct json_object *obj, const char *key, char *out)
{
	struct json_object	*value = member(obj, key);
	size_t			 n;

	if (!json_object_is_type(value, json_type_string))
		return -1;
	n = (size_t)json_object_get_string_len(value);
	if (n == 0 || n > BG_CLI_ID_MAX || memchr(json_object_get_string(value), '\0', n))
		return -1;
	memcpy(out, json_object_get_string(value), n);
	out[n] = '\0';
	return 0;
}

/* Read an integer member; a double is accepted when it fits. */
static int
number_int64(struct json_object *obj, const char *key, int64_t *out)
{
	struct json_object	*value = member(obj, key);
	double			 d;

	if (json_object_is_type(value, json_type_int)) {
		*out = json_object_get_int64(value);
		return 0;
	}
	if (json_object_is_type(value, json_type_double)) {
		d = json_object_get_double(value);
		if (d > -9.0e18 && d < 9.0e18) {
			*out = (int64_t)d;
			return 0;
		}
	}
	return -1;
}

static int
is_true(struct json_object *obj, const char *key)
{
	struct json_object	*value = member(obj, key);

	return json_object_is_type(value, json_type_boolean) && json_object_get_boolean(value);
}

/* Parse one whole line as a JSON object, or return NULL. */
static struct json_object *
parse_object(struct translate_state *st, const char *s, size_t len)
{
	struct json_object	*obj;
	size_t			 end;

	json_tokener_reset(st->tok);
	obj = json_tokener_parse_ex(st->tok, s, (int)len);
	if (obj == NULL)
		return NULL;

	end = json_tokener_get_parse_end(st->tok);
	while (end < len && strchr(" \t\r\n", s[end]) != NULL && s[end] != '\0')
		end++;
	if (end != len || !json_object_is_type(obj, json_type_object) || !jsoncheck_all_finite(obj)) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* ---- building and emitting events ---- */

/* Add value to obj under key, taking the reference; a NULL value is an
 * allocation failure unless nullable. Return 0 or -1. */
static int
put(struct json_object *obj, const char *key, struct json_object *value, int nullable)
{
	if (obj == NULL || (value == NULL && !nullable)) {
		json_object_put(value);
		return -1;
	}
	if (json_object_object_add(obj, key, value) != 0) {
		json_object_put(value);
		return -1;
	}
	return 0;
}

/* Hand data to the caller and drop it; a NULL data means out of memory. */
static int
emit_event(const struct sink *sk, const char *event, struct json_object *data)
{
	int	rc;

	if (data == NULL)
		return -1;
	rc = sk->emit(sk->arg, event, data);
	json_object_put(data);
	return rc;
}

/* Emit a non-fatal error event. */
static int
emit_error(const struct sink *sk, const char *code, const char *message, size_t len)
{
	struct json_object	*data = json_object_new_object();

	if (put(data, "code", json_object_new_string(code), 0) != 0 ||
	    put(data, "message", json_object_new_string_len(message, (int)len), 0) != 0 ||
	    put(data, "fatal", json_object_new_boolean(0), 0) != 0) {
		json_object_put(data);
		return -1;
	}
	return emit_event(sk, "error", data);
}

static int
emit_bad_line(const struct sink *sk, const char *message)
{
	return emit_error(sk, "bad_line", message, strlen(message));
}

/* Emit a text event for a non-empty string object of the line. */
static int
emit_text(const struct sink *sk, struct json_object *text, struct json_object *line)
{
	struct json_object	*data;

	if (!json_object_is_type(text, json_type_string) || json_object_get_string_len(text) == 0)
		return 0;
	data = json_object_new_object();
	if (put(data, "text", json_object_get(text), 0) != 0 ||
	    put(data, "parent", string_ref(line, "parent_tool_use_id"), 1) != 0) {
		json_object_put(data);
		return -1;
	}
	return emit_event(sk, "text", data);
}

/* ---- text deltas ---- */

static int
delta_seen(const struct translate_state *st, const char *id)
{
	size_t	i;

	for (i = 0; i < BG_DELTA_IDS; i++)
		if (st->delta_ids[i] != NULL && strcmp(st->delta_ids[i], id) == 0)
			return 1;
	return 0;
}

/* Remember that a message streamed text; the oldest id is forgotten, which
 * is safe because the CLI sends a message's full line right after its deltas. */
static int
delta_remember(struct translate_state *st, const char *id)
{
	size_t	last = (st->delta_next + BG_DELTA_IDS - 1) % BG_DELTA_IDS;
	char	*copy;

	if (st->delta_ids[last] != NULL && strcmp(st->delta_ids[last], id) == 0)
		return 0;
	if ((copy = strdup(id)) == NULL)
		return -1;
	free(st->delta_ids[st->delta_next]);
	st->delta_ids[st->delta_next] = copy;
	st->delta_next = (st->delta_next + 1) % BG_DELTA_IDS;
	return 0;
}

/* ---- one handler per line type ---- */

/* system/init: the first one of a turn becomes the session event. */
static int
on_init(const struct sink *sk, struct json_object *line)
{
	struct translate_state	*st = sk->st;
	struct json_object	*data;

	(void)copy_id(line, "session_id", st->cli_session);
	if (st->saw_init)
		return 0;
	st->saw_init = 1;

	data = json_object_new_object();
	if (put(data, "session", string_ref(line, "session_id"), 1) != 0 ||
	    put(data, "model", string_ref(line, "model"), 1) != 0 ||
	    put(data, "resumed", json_object_new_boolean(st->resumed), 0) != 0) {
		json_object_put(data);
		return -1;
	}
	return emit_event(sk, "session", data);
}

/* Append formatted text to a message buffer; a cut message stays terminated. */
static void
message_append(char *buf, size_t size, const char *fmt, ...)
{
	size_t	len = strlen(buf);
	va_list	ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* Return 1 when s is a short lowercase word such as "rate_limit". */
static int
is_word(struct json_object *s)
{
	const char	*p = json_object_get_string(s);
	int		 n = json_object_get_string_len(s);

	if (!json_object_is_type(s, json_type_string) || n < 1 || n > 64)
		return 0;
	for (; n > 0; n--, p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

/* system/api_retry: the CLI retries a failed request to the model API. */
static int
on_api_retry(const struct sink *sk, struct json_object *line)
{
	char			 msg[BG_EVENT_MESSAGE_MAX] = "The model API request failed";
	struct json_object	*error = member(line, "error");
	int64_t			 status, attempt, max, delay;

	if (number_int64(line, "error_status", &status) == 0)
		message_append(msg, sizeof(msg), " with HTTP status %lld", (long long)status);
	if (is_word(error))
		message_append(msg, sizeof(msg), " (%s)", json_object_get_string(error));
	message_append(msg, sizeof(msg), "; the CLI is retrying");
	if (number_int64(line, "attempt", &attempt) == 0 &&
	    number_int64(line, "max_retries", &max) == 0)
		message_append(msg, sizeof(msg), ", attempt %lld of %lld", (long long)attempt,
		    (long long)max);
	if (number_int64(line, "retry_delay_ms", &delay) == 0)
		message_append(msg, sizeof(msg), " in %lld ms", (long long)delay);
	message_append(msg, sizeof(msg), ".");

	return emit_error(sk, "api_retry", msg, strlen(msg));
}

/* system/permission_denied: a tool call the CLI refused to run. */
static int
on_permission_denied(const struct sink *sk, struct json_object *line)
{
	char			 storage[BG_EVENT_MESSAGE_MAX];
	struct textbuf		 msg = { storage, sizeof(storage), 0, 0 };
	struct json_object	*tool = member(line, "tool_name");
	struct json_object	*reason = member(line, "message");
	static const char	 start[] = "Permission to use ", middle[] = " was denied: ";

	textbuf_add(&msg, start, sizeof(start) - 1);
	if (json_object_is_type(tool, json_type_string))
		textbuf_add_json(&msg, tool);
	else
		textbuf_add(&msg, "a tool", strlen("a tool"));
	textbuf_add(&msg, middle, sizeof(middle) - 1);
	if (json_object_is_type(reason, json_type_string))
		textbuf_add_json(&msg, reason);
	else
		textbuf_add(&msg, "no reason given", strlen("no reason given"));

	return emit_error(sk, "permission_denied", msg.data, msg.len);
}

static int
on_system(const struct sink *sk, struct json_object *line)
{
	struct json_object	*subtype = member(line, "subtype");

	if (string_is(subtype, "init"))
		return on_init(sk, line);
	if (string_is(subtype, "api_retry"))
		return on_api_retry(sk, line);
	if (string_is(subtype, "permission_denied"))
		return on_permission_denied(sk, line);
	return 0;
}

/* stream_event: message_start names the message; text_delta is text. */
static int
on_stream_event(const struct sink *sk, struct json_object *line)
{
	struct translate_state	*st = sk->st;
	struct json_object	*event = member(line, "event");
	struct json_object	*type = member(event, "type");
	struct json_object	*delta = member(event, "delta");
	char			 id[BG_CLI_ID_MAX + 1];

	if (string_is(type, "message_start")) {
		if (copy_id(member(event, "message"), "id", st->stream_msg) != 0)
			st->stream_msg[0] = '\0';
		return 0;
	}
	if (!string_is(type, "content_block_delta") || !string_is(member(delta, "type"), "text_delta"))
		return 0;

	/* Newer CLIs name the message on every line; older ones only in message_start.
	 * NOTE: with that fallback, a subagent's stream interleaved with the main
	 * agent's would file deltas under the wrong message and repeat its text. */
	if (copy_id(line, "api_message_id", id) != 0)
		memcpy(id, st->stream_msg, sizeof(id));
	if (id[0] != '\0' && delta_remember(st, id) != 0)
		return -1;
	return emit_text(sk, member(delta, "text"), line);
}

static int
emit_tool_call(const struct sink *sk, struct json_object *block, struct json_object *line)
{
	struct json_object	*data = json_object_new_object();
	struct json_object	*input = member(block, "input");

	input = input != NULL ? json_object_get(input) : json_object_new_object();
	if (put(data, "id", string_ref(block, "id"), 1) != 0 ||
	    put(data, "name", string_ref(block, "name"), 1) != 0 ||
	    put(data, "input", input, 0) != 0 ||
	    put(data, "parent", string_ref(line, "parent_tool_use_id"), 1) != 0) {
		json_object_put(data);
		return -1;
	}
	return emit_event(sk, "tool", data);
}

/* assistant: its tool_use blocks, and its text blocks unless the message
 * already streamed them as deltas. */
static int
on_assistant(const struct sink *sk, struct json_object *line)
{
	struct json_object	*message = member(line, "message");
	struct json_object	*content = member(message, "content");
	struct json_object	*id = member(message, "id");
	struct json_object	*block;
	int			 streamed, rc;
	size_t			 i, n;

	streamed = json_object_is_type(id, json_type_string) &&
	    delta_seen(sk->st, json_object_get_string(id));
	if (json_object_is_type(content, json_type_string))
		return streamed ? 0 : emit_text(sk, content, line);

	n = json_object_is_type(content, json_type_array) ? json_object_array_length(content) : 0;
	for (i = 0; i < n; i++) {
		block = json_object_array_get_idx(content, i);
		rc = 0;
		if (string_is(member(block, "type"), "text") && !streamed)
			rc = emit_text(sk, member(block, "text"), line);
		else if (string_is(member(block, "type"), "tool_use"))
			rc = emit_tool_call(sk, block, line);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Flatten a tool_result's content: a string, or its text blocks joined by
 * newlines with "[image]" for each image block. */
static void
flatten_content(struct textbuf *out, struct json_object *content)
{
	struct json_object	*block, *type;
	size_t			 i, n, parts = 0;

	if (json_object_is_type(content, json_type_string)) {
		textbuf_add_json(out, content);
		return;
	}
	n = json_object_is_type(content, json_type_array) ? json_object_array_length(content) : 0;
	for (i = 0; i < n; i++) {
		block = json_object_array_get_idx(content, i);
		type = member(block, "type");
		if (!string_is(type, "text") && !string_is(type, "image"))
			continue;
		if (parts++ > 0)
			textbuf_add(out, "\n", 1);
		if (string_is(type, "text"))
			textbuf_add_json(out, member(block, "text"));
		else
			textbuf_add(out, IMAGE_MARK, strlen(IMAGE_MARK));
	}
}

static int
emit_tool_output(const struct sink *sk, struct json_object *block, struct json_object *line)
{
	struct textbuf		 out = { sk->st->output, sizeof(sk->st->output), 0, 0 };
	struct json_object	*data = json_object_new_object();

	flatten_content(&out, member(block, "content"));
	if (put(data, "id", string_ref(block, "tool_use_id"), 1) != 0 ||
	    put(data, "output", json_object_new_string_len(out.data, (int)out.len), 0) != 0 ||
	    put(data, "is_error", json_object_new_boolean(is_true(block, "is_error")), 0) != 0 ||
	    put(data, "truncated", json_object_new_boolean(out.truncated), 0) != 0 ||
	    put(data, "parent", string_ref(line, "parent_tool_use_id"), 1) != 0) {
		json_object_put(data);
		return -1;
	}
	return emit_event(sk, "tool", data);
}

/* user: each tool_result block is a tool's output; anything else is the
 * CLI's own bookkeeping. */
static int
on_user(const struct sink *sk, struct json_object *line)
{
	struct json_object	*content = member(member(line, "message"), "content");
	struct json_object	*block;
	size_t			 i, n;
	int			 rc;

	n = json_object_is_type(content, json_type_array) ? json_object_array_length(content) : 0;
	for (i = 0; i < n; i++) {
		block = json_object_array_get_idx(content, i);
		if (!string_is(member(block, "type"), "tool_result"))
			continue;
		if ((rc = emit_tool_output(sk, block, line)) != 0)
			return rc;
	}
	return 0;
}

/* Return the result's text: `result` when it is a string, else the strings
 * of `errors` joined by newlines, else "". */
static struct json_object *
result_text(struct json_object *line)
{
	struct json_object	*errors = member(line, "errors");
	struct json_object	*text, *item;
	struct printbuf		*pb;
	size_t			 i, n, parts = 0;

	if ((text = string_ref(line, "result")) != NULL)
		return text;
	if ((pb = printbuf_new()) == NULL)
		return NULL;
	n = json_object_is_type(errors, json_type_array) ? json_object_array_length(errors) : 0;
	for (i = 0; i < n; i++) {
		item = json_object_array_get_idx(errors, i);
		if (!json_object_is_type(item, json_type_string))
			continue;
		if (parts++ > 0)
			printbuf_memappend(pb, "\n", 1);
		printbuf_memappend(pb, json_object_get_string(item), json_object_get_string_len(item));
	}
	text = json_object_new_string_len(pb->buf, pb->bpos);
	printbuf_free(pb);
	return text;
}

/* result: the end of the CLI's work. `ok` is !is_error because a "success"
 * subtype can carry is_error:true; without is_error, ok means "success". */
static int
on_result(const struct sink *sk, struct json_object *line)
{
	struct json_object	*data = json_object_new_object();
	struct json_object	*subtype = member(line, "subtype");
	struct json_object	*is_error = member(line, "is_error");
	struct json_object	*cost = member(line, "total_cost_usd");
	int64_t			 turns = 0, duration = 0;
	int			 ok;

	sk->st->saw_result = 1;
	(void)copy_id(line, "session_id", sk->st->cli_session);

	if (json_object_is_type(is_error, json_type_boolean))
		ok = !json_object_get_boolean(is_error);
	else
		ok = string_is(subtype, "success");
	(void)number_int64(line, "num_turns", &turns);
	(void)number_int64(line, "duration_ms", &duration);
	if (json_object_is_type(cost, json_type_int) || json_object_is_type(cost, json_type_double))
		cost = json_object_get(cost);
	else
		cost = json_object_new_double(0.0);

	if (put(data, "ok", json_object_new_boolean(ok), 0) != 0 ||
	    put(data, "subtype", json_object_is_type(subtype, json_type_string) ?
	    json_object_get(subtype) : json_object_new_string(""), 0) != 0 ||
	    put(data, "text", result_text(line), 0) != 0 ||
	    put(data, "turns", json_object_new_int64(turns), 0) != 0 ||
	    put(data, "duration_ms", json_object_new_int64(duration), 0) != 0 ||
	    put(data, "cost_usd", cost, 0) != 0) {
		json_object_put(data);
		return -1;
	}
	return emit_event(sk, "result", data);
}

static int
dispatch(const struct sink *sk, struct json_object *line)
{
	struct json_object	*type = member(line, "type");

	if (string_is(type, "stream_event"))
		return on_stream_event(sk, line);
	if (string_is(type, "assistant"))
		return on_assistant(sk, line);
	if (string_is(type, "user"))
		return on_user(sk, line);
	if (string_is(type, "system"))
		return on_system(sk, line);
	if (string_is(type, "result"))
		return on_result(sk, line);
	return 0;	/* the CLI adds line types every release */
}

static int
is_blank(const char *line, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return 0;
	return 1;
}

/* Give back the memory a long line needed: the repaired copy, and the
 * tokener, whose string buffer keeps the size of the longest string seen. */
static void
release_buffers(struct translate_state *st, size_t len)
{
	struct json_tokener	*tok;

	if (st->repaired_size > KEEP_MAX) {
		free(st->repaired);
		st->repaired = NULL;
		st->repaired_size = 0;
	}
	if (len > KEEP_MAX && (tok = json_tokener_new_ex(BG_STREAM_JSON_DEPTH)) != NULL) {
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
		json_tokener_free(st->tok);
		st->tok = tok;
	}
}

/* ---- public ---- */

struct translate_state *
translate_new(void)
{
	struct translate_state	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	if ((st->tok = json_tokener_new_ex(BG_STREAM_JSON_DEPTH)) == NULL) {
		free(st);
		return NULL;
	}
	json_tokener_set_flags(st->tok, JSON_TOKENER_STRICT);
	return st;
}

void
translate_free(struct translate_state *st)
{
	size_t	i;

	if (st == NULL)
		return;
	for (i = 0; i < BG_DELTA_IDS; i++)
		free(st->delta_ids[i]);
	free(st->repaired);
	json_tokener_free(st->tok);
	free(st);
}

void
translate_set_resumed(struct translate_state *st, int resumed)
{
	st->resumed = resumed != 0;
}

int
translate_line(struct translate_state *st, const char *line, size_t len,
    translate_emit_fn emit, void *arg)
{
	const struct sink	 sk = { st, emit, arg };
	struct json_object	*obj;
	const char		*text;
	size_t			 textlen;
	int			 rc;

	if (len > BG_STREAM_LINE_MAX)
		return emit_bad_line(&sk, "A line of the CLI's output is longer than 16 MiB and was skipped.");
	if (is_blank(line, len))
		return 0;

	if ((text = repair_line(st, line, len, &textlen)) == NULL)
		return -1;
	if ((obj = parse_object(st, text, textlen)) == NULL) {
		rc = emit_bad_line(&sk, "A line of the CLI's output is not a JSON object and was skipped.");
	} else {
		rc = dispatch(&sk, obj);
		json_object_put(obj);
	}
	release_buffers(st, textlen);
	return rc;
}

int
translate_saw_result(const struct translate_state *st)
{
	return st->saw_result;
}

const char *
translate_cli_session(const struct translate_state *st)
{
	return st->cli_session[0] != '\0' ? st->cli_session : NULL;
}
