/* session.c: the /session route: list sessions, mint one, show one with its events. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cgi.h"
#include "eventlog.h"
#include "ids.h"
#include "session.h"
#include "util.h"

static int
list_sessions(struct cgi_request *req)
{
	struct json_object *root, *arr;

	arr = session_list(req->cfg.state_dir);
	if (arr == NULL) {
		cgi_error(500, "state_error", "The session store could not be read; check state_dir's permissions.", NULL);
		return -1;
	}
	root = json_object_new_object();
	json_object_object_add(root, "sessions", arr);
	cgi_respond(200, root);
	json_object_put(root);
	return 0;
}

static int
create_session(struct cgi_request *req)
{
	struct session_meta meta;
	struct json_object *root;

	/* The id is minted here and never taken from the client. */
	if (json_object_object_length(req->body) != 0) {
		cgi_error(400, "bad_request", "POST /session takes an empty JSON object.", NULL);
		return -1;
	}
	if (session_create(req->cfg.state_dir, &meta) == -1) {
		cgi_error(500, "state_error", "The session could not be created; check state_dir's permissions and free space.", NULL);
		return -1;
	}
	fprintf(stderr, "session: created %s for %s\n", meta.id, req->user);
	root = json_object_new_object();
	json_object_object_add(root, "id", json_object_new_string(meta.id));
	cgi_respond(201, root);
	json_object_put(root);
	return 0;
}

#define EVENTS_OPEN	",\"events\":["

/* Write one event as an element of the "events" array. */
static int
write_event(void *arg, int64_t id, const char *event, struct json_object *data)
{
	int *count = arg;
	struct json_object *o = json_object_new_object();
	const char *text;
	int rc;

	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "event", json_object_new_string(event));
	json_object_object_add(o, "data", json_object_get(data));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	rc = ((*count)++ > 0 && util_write_all(STDOUT_FILENO, ",", 1) == -1) ||
	    util_write_all(STDOUT_FILENO, text, strlen(text)) == -1;
	json_object_put(o);
	return rc;
}

static int
show_session(struct cgi_request *req, const char *id)
{
	struct session_meta meta;
	struct json_object *root;
	const char *text;
	uint64_t offset = 0;
	int rc, count = 0;

	if (!ids_valid(id)) {
		cgi_error(400, "bad_session", "The session id is not a lowercase UUID.", NULL);
		return -1;
	}
	rc = session_read(req->cfg.state_dir, id, &meta);
	if (rc == 1) {
		cgi_error(404, "session_not_found", "No session has that id; pick one from GET /session.", NULL);
		return -1;
	}
	if (rc == -1) {
		cgi_error(500, "state_error", "The session's metadata could not be read; check state_dir.", NULL);
		return -1;
	}

	/* The events are streamed one at a time, so a long session costs no
	 * more memory than its largest event: the metadata object is written
	 * without its closing brace, then "events":[...]}. */
	root = session_to_json(&meta, session_running(req->cfg.state_dir, id));
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	rc = cgi_respond_head(200) == -1 ||
	    util_write_all(STDOUT_FILENO, text, strlen(text) - 1) == -1 ||
	    util_write_all(STDOUT_FILENO, EVENTS_OPEN, sizeof(EVENTS_OPEN) - 1) == -1;
	json_object_put(root);
	if (rc)
		return -1;

	/* NOTE: once the headers are out, a read error can only cut the
	 * body short. The client then gets invalid JSON, and stderr logs why. */
	if (eventlog_read(req->cfg.state_dir, id, 0, &offset, write_event, &count) < 0) {
		fprintf(stderr, "session: show_session: %s: event log read failed after %d events\n", id, count);
		return -1;
	}
	return util_write_all(STDOUT_FILENO, "]}\n", 3);
}

int
main(void)
{
	struct cgi_request req;
	const char *pi;

	if (cgi_begin(&req, CGI_GET | CGI_POST) != 0)
		return 0;

	pi = req.path_info;
	if (strcmp(pi, "") == 0 || strcmp(pi, "/") == 0) {
		if (req.method == CGI_POST)
			create_session(&req);
		else
			list_sessions(&req);
	} else if (req.method != CGI_GET) {
		cgi_error(405, "method_not_allowed", "A single session is read with GET.", "Allow: GET\r\n");
	} else {
		show_session(&req, pi + 1);
	}

	cgi_end(&req);
	return 0;
}
