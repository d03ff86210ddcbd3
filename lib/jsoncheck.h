/* jsoncheck.h: checks json-c leaves to its callers. */
#ifndef BG_JSONCHECK_H
#define BG_JSONCHECK_H

#include <stddef.h>

#include <json-c/json.h>

/* Return 1 when every number in obj is finite: json-c's strict mode still
 * takes NaN, Infinity and 1e999, which are not JSON (RFC 8259 section 6). */
int jsoncheck_all_finite(struct json_object *obj);

/*
 * Return 1 when no object in the JSON text lists a member name twice, given
 * the text and json-c's parse of it. json-c keeps the last of two equal names
 * silently, so {"confirm":"x","confirm":"stop"} would read as "stop". The
 * text must be what produced parsed; its nesting at most JSONCHECK_DEPTH_MAX.
 */
#define JSONCHECK_DEPTH_MAX	64
int jsoncheck_unique_keys(const char *text, size_t len, struct json_object *parsed);

#endif
