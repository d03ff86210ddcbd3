/* session.c: the /session route: list sessions, mint one, show one with its events. */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cgi.h"
#include "chat.h"
#include "ids.h"
#include "session.h"

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

	/* The id is minted here; a client gets no say in it. */
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

static int
show_session(struct cgi_request *req, const char *id)
{
	struct session_meta meta;
	struct json_object *root, *events;
	int rc;

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
	events = chat_events_json(req->cfg.state_dir, id);
	if (events == NULL) {
		cgi_error(500, "state_error", "The session's events could not be read; check state_dir.", NULL);
		return -1;
	}
	root = session_to_json(&meta, session_running(req->cfg.state_dir, id));
	json_object_object_add(root, "events", events);
	cgi_respond(200, root);
	json_object_put(root);
	return 0;
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
