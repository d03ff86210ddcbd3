/* fuzz_translate.c: libFuzzer target for the stream-json translator, line by line with its state carried across lines. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bounds.h"
#include "translate.h"

#define JSON_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static const char *const events[] = { "session", "text", "tool", "result", "error" };

/* The contract of every event: a known name (never done), data an object
 * whose JSON text parses back strictly as valid UTF-8. */
static int
check_event(void *arg, const char *event, struct json_object *data)
{
	struct json_tokener *tok;
	struct json_object *back, *out;
	const char *json;
	size_t i, len;

	(void)arg;
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (strcmp(event, events[i]) == 0)
			break;
	if (i == sizeof(events) / sizeof(events[0])) {
		fprintf(stderr, "fuzz_translate: unexpected event \"%s\"\n", event);
		abort();
	}
	if (!json_object_is_type(data, json_type_object)) {
		fprintf(stderr, "fuzz_translate: %s data is not an object\n", event);
		abort();
	}

	json = json_object_to_json_string_length(data, JSON_FLAGS, &len);
	tok = json_tokener_new_ex(BG_STREAM_JSON_DEPTH + 8);
	if (tok == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	back = json_tokener_parse_ex(tok, json, (int)len);
	if (back == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		fprintf(stderr, "fuzz_translate: %s data does not parse back: %.200s\n", event, json);
		abort();
	}

	/* A tool's output is cut at BG_TOOL_OUTPUT_MAX bytes. */
	if (strcmp(event, "tool") == 0 && json_object_object_get_ex(data, "output", &out) &&
	    json_object_get_string_len(out) > BG_TOOL_OUTPUT_MAX) {
		fprintf(stderr, "fuzz_translate: tool output of %d bytes\n", json_object_get_string_len(out));
		abort();
	}
	json_object_put(back);
	json_tokener_free(tok);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct translate_state *st = translate_new();
	const char *p = (const char *)data, *end = p + size;

	if (st == NULL)
		return 0;
	/* Odd sizes run as a resumed turn, so both session events are reached. */
	translate_set_resumed(st, (int)(size & 1));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		if (translate_line(st, p, len, check_event, NULL) != 0)
			abort();	/* check_event never stops it; only OOM would */
		p += len + 1;
	}
	(void)translate_saw_result(st);
	{
		const char *cli = translate_cli_session(st);
		if (cli != NULL && strlen(cli) > BG_CLI_ID_MAX)
			abort();
	}
	translate_free(st);
	return 0;
}
