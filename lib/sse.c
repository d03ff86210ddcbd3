/* sse.c: writes server-sent events to a CGI's stdout, each event in one write. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bounds.h"
#include "sse.h"
#include "util.h"

#define JSON_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define FRAME_OVERHEAD	64	/* bytes of an event besides its name and data */

static const char headers[] =
    "Status: 200 OK\r\n"
    "Content-Type: text/event-stream\r\n"
    "Cache-Control: no-store\r\n"
    "X-Accel-Buffering: no\r\n"
    "\r\n";

/* Return 1 when name is 1 to BG_EVENT_NAME_MAX bytes of [a-z_]: nothing
 * that could end the field or start another. */
static int
name_valid(const char *name)
{
	size_t	i;

	for (i = 0; name[i] != '\0'; i++)
		if (i >= BG_EVENT_NAME_MAX || !((name[i] >= 'a' && name[i] <= 'z') || name[i] == '_'))
			return 0;
	return i > 0;
}

int
sse_begin(int fd)
{
	return util_write_all(fd, headers, sizeof(headers) - 1);
}

int
sse_event(int fd, int64_t id, const char *event, struct json_object *data)
{
	const char	*json;
	char		*frame;
	size_t		 jsonlen, size;
	int		 n, rc = -1;

	if (!name_valid(event) || data == NULL)
		return -1;
	json = json_object_to_json_string_length(data, JSON_FLAGS, &jsonlen);
	/* json-c escapes CR and LF inside strings, so a raw one would be a bug that splits the data field. */
	if (json == NULL || memchr(json, '\n', jsonlen) != NULL || memchr(json, '\r', jsonlen) != NULL)
		return -1;

	size = FRAME_OVERHEAD + strlen(event) + jsonlen;
	if ((frame = malloc(size)) == NULL)
		return -1;
	if (id >= 1)
		n = snprintf(frame, size, "id: %" PRId64 "\nevent: %s\ndata: ", id, event);
	else
		n = snprintf(frame, size, "event: %s\ndata: ", event);
	if (n > 0 && (size_t)n + jsonlen + 2 < size) {
		memcpy(frame + n, json, jsonlen);
		memcpy(frame + (size_t)n + jsonlen, "\n\n", 2);
		rc = util_write_all(fd, frame, (size_t)n + jsonlen + 2);
	}
	free(frame);
	return rc;
}

int
sse_keepalive(int fd)
{
	static const char comment[] = ": keepalive\n\n";

	return util_write_all(fd, comment, sizeof(comment) - 1);
}
