/* fuzz_session_title.c: libFuzzer target for a session's title, cut from the client's first chat message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bounds.h"
#include "session.h"

/* Return 1 when s is well-formed UTF-8 (RFC 3629). */
static int
utf8_ok(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t cp;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = s[i] & 0x07;
		} else
			return 0;
		if (i + n >= len)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session_meta meta;
	struct json_object *o;
	char *message;
	size_t len, i;

	/* A message reaches the store as a NUL-free C string. */
	message = malloc(size + 1);
	if (message == NULL)
		return 0;
	memcpy(message, data, size);
	message[size] = '\0';

	memset(&meta, 'X', sizeof(meta));
	memcpy(meta.id, "0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d", BG_UUID_LEN + 1);
	meta.cli_session[0] = '\0';
	meta.created = meta.updated = 0;
	meta.turns = 0;
	session_set_title(&meta, message);

	/* One line of at most BG_TITLE_MAX bytes, no control bytes, no
	 * trailing space, and whole UTF-8 characters when the message was. */
	len = strnlen(meta.title, sizeof(meta.title));
	if (len > BG_TITLE_MAX) {
		fprintf(stderr, "fuzz_session_title: title of %zu bytes\n", len);
		abort();
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)meta.title[i] < 0x20 || meta.title[i] == 0x7f)
			abort();
	if (len > 0 && meta.title[len - 1] == ' ')
		abort();
	if (utf8_ok((const unsigned char *)message, strlen(message)) &&
	    !utf8_ok((const unsigned char *)meta.title, len)) {
		fprintf(stderr, "fuzz_session_title: a valid message gave an invalid title: %s\n", meta.title);
		abort();
	}

	o = session_to_json(&meta, 0);
	if (o == NULL)
		abort();
	(void)json_object_to_json_string(o);
	json_object_put(o);
	free(message);
	return 0;
}
