/* translate.h: the Claude Code CLI's stream-json lines to breakglass chat events, without I/O. */
#ifndef BG_TRANSLATE_H
#define BG_TRANSLATE_H

#include <stddef.h>

#include <json-c/json.h>

/* Called once per event, in order; `data` is borrowed for the call only.
 * A nonzero return stops the translation of the line and is returned. */
typedef int (*translate_emit_fn)(void *arg, const char *event, struct json_object *data);

struct translate_state;

/* Per-turn state: message ids that streamed text deltas, whether init and
 * result were seen, the CLI's session id. NULL when out of memory. */
struct translate_state *translate_new(void);
void translate_free(struct translate_state *st);

/* Set the `resumed` field of the session event (default 0), because only the
 * runner can tell whether it passed --resume. Call it before the first line. */
void translate_set_resumed(struct translate_state *st, int resumed);

/*
 * Translate one line of the CLI's stdout (without its newline; not
 * NUL-terminated; any bytes) into zero or more events: session, text, tool,
 * result, error. Never emits done: the runner owns the end of a turn.
 *
 * Every string in the events is valid UTF-8 (invalid bytes become U+FFFD)
 * and may contain U+0000. A line that is not one JSON object (an array,
 * truncated, trailing bytes, NaN or another non-finite number, nesting over
 * BG_STREAM_JSON_DEPTH, longer than BG_STREAM_LINE_MAX) becomes one
 * non-fatal error event `bad_line`. A line of only whitespace emits nothing.
 *
 * Return 0, the first nonzero value emit returned, or -1 when out of memory.
 */
int translate_line(struct translate_state *st, const char *line, size_t len,
    translate_emit_fn emit, void *arg);

/* Return 1 once a `result` line was translated. */
int translate_saw_result(const struct translate_state *st);

/* Return the CLI's session id from the last init or result, or NULL. */
const char *translate_cli_session(const struct translate_state *st);

#endif
