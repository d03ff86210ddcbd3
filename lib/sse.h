/* sse.h: writes server-sent events (id, event, one data line) to a CGI's stdout, unbuffered. */
#ifndef BG_SSE_H
#define BG_SSE_H

#include <stdint.h>

#include <json-c/json.h>

/* Write the response headers of an event stream (Status 200,
 * text/event-stream, no caching, X-Accel-Buffering: no). */
int sse_begin(int fd);

/* Write "id: n\nevent: name\ndata: <json>\n\n" in one write; 0 or -1.
 * The name must be 1 to BG_EVENT_NAME_MAX bytes of [a-z_]. An id below 1
 * leaves out the id line, for an event that is not in the session's log. */
int sse_event(int fd, int64_t id, const char *event, struct json_object *data);

/* Write ": keepalive\n\n". */
int sse_keepalive(int fd);

#endif
