/* jsoncheck.h: checks json-c leaves to its callers. */
#ifndef BG_JSONCHECK_H
#define BG_JSONCHECK_H

#include <json-c/json.h>

/* Return 1 when every number in obj is finite: json-c's strict mode still
 * takes NaN, Infinity and 1e999, which are not JSON (RFC 8259 section 6). */
int jsoncheck_all_finite(struct json_object *obj);

#endif
