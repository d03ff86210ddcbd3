/* chat.c: the /chat route: POST starts a detached agent turn and streams it, GET replays and follows, DELETE stops. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "agent.h"
#include "audit.h"
#include "cgi.h"
#include "chat.h"
#include "ids.h"
#include "session.h"
#include "sse.h"
#include "turn.h"
#include "util.h"

/* Read and check the session id (body member or query parameter) and that
 * the session exists; on failure the error response is written. */
static int
check_session(struct cgi_request *req, const char *id, struct session_meta *meta)
{
	int rc;

	if (id == NULL || !ids_valid(id)) {
		cgi_error(400, "bad_session", "The session id is missing or not a lowercase UUID.", NULL);
		return -1;
	}
	rc = session_read(req->cfg.state_dir, id, meta);
	if (rc == 1) {
		cgi_error(404, "session_not_found", "No session has that id; create one with POST /session.", NULL);
		return -1;
	}
	if (rc == -1) {
		cgi_error(500, "state_error", "The session's metadata could not be read; check state_dir.", NULL);
		return -1;
	}
	return 0;
}

static int
query_session(struct cgi_request *req, char *out, size_t outsz, struct session_meta *meta)
{
	if (cgi_query_param(req->query, "session", out, outsz) != 1) {
		cgi_error(400, "bad_session", "Name the session: ?session=<id>.", NULL);
		return -1;
	}
	return check_session(req, out, meta);
}

/* The message: a JSON string of 1 byte..BG_MESSAGE_MAX without NUL bytes
 * (it becomes one argv entry). */
static const char *
body_message(const struct cgi_request *req)
{
	struct json_object *v;
	const char *s;
	size_t len;

	if (!json_object_object_get_ex(req->body, "message", &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len == 0 || len > BG_MESSAGE_MAX || strlen(s) != len)
		return NULL;
	return s;
}

/* Append a chat record; return 0, or -1 after logging the failure. */
static int
audit_chat(struct cgi_request *req, const char *action, const char *session, int ok)
{
	struct audit_record rec = {
		.user = req->user, .remote = req->remote_addr, .action = action,
		.session = session, .ok = ok, .exit_status = -1, .duration_ms = -1,
	};

	if (audit_append(req->cfg.state_dir, &rec) == -1) {
		fprintf(stderr, "chat: audit_chat: %s for session %s not audited\n", action, session);
		return -1;
	}
	return 0;
}

static void
post_chat(struct cgi_request *req)
{
	struct session_meta meta;
	struct agent agent = { 0 };
	struct turn_request treq;
	const char *id, *message;
	char errkey[64], msg[160], **argv = NULL, **envp = NULL;
	uint64_t offset;
	int lock = -1;

	id = cgi_body_string(req, "session", BG_UUID_LEN);
	if (check_session(req, id, &meta) == -1)
		return;
	message = body_message(req);
	if (message == NULL) {
		cgi_error(400, "bad_message", "The message must be text of 1 byte to 32 KiB.", NULL);
		return;
	}
	if (agent_load(&agent, req->cfg.agent_file, errkey, sizeof(errkey)) == -1) {
		if ((size_t)snprintf(msg, sizeof(msg), "The agent file (agent_file) is invalid at '%s'; fix it and retry.",
		    errkey) >= sizeof(msg))
			util_strlcpy(msg, "The agent file (agent_file) is invalid; fix it and retry.", sizeof(msg));
		cgi_error(500, "config_error", msg, NULL);
		goto done;
	}

	lock = turn_lock(req->cfg.state_dir, id);
	if (lock == TURN_BUSY) {
		(void)audit_chat(req, "chat.refused", id, 0);
		cgi_error(409, "turn_running", "A turn is already running in this session; wait for it to end or stop it.", NULL);
		goto done;
	}
	/* Read the metadata again under the lock: the turn that just ended
	 * may have stored the CLI's session id. */
	if (lock == -1 || session_read(req->cfg.state_dir, id, &meta) != 0) {
		cgi_error(500, "state_error", "The session could not be locked or read; check state_dir.", NULL);
		goto done;
	}

	argv = turn_build_argv(&req->cfg, &agent, id, meta.cli_session, message);
	envp = turn_build_env(&req->cfg);
	if (argv == NULL || envp == NULL) {
		cgi_error(500, "internal_error", "The CLI's arguments could not be built; see the server log.", NULL);
		goto done;
	}
	/* Like a power verb, a turn that cannot be audited does not run: the
	 * agent it starts is root on the VM. */
	if (audit_chat(req, "chat.start", id, 1) == -1) {
		cgi_error(500, "audit_failed", "The audit log could not be written, so the turn was not started; check state_dir.", NULL);
		goto done;
	}

	/* Only this turn's events: the log's size now, while we hold the lock. */
	offset = chat_log_size(req->cfg.state_dir, id);
	treq = (struct turn_request){
		.cfg = &req->cfg, .session = id, .message = message,
		.user = req->user, .remote = req->remote_addr,
		.resumed = meta.cli_session[0] != '\0',
	};
	if (turn_start(&treq, argv, envp, lock) == -1) {
		(void)audit_chat(req, "chat.end", id, 0);
		cgi_error(500, "spawn_failed", "The turn could not be started; see the server log.", NULL);
		goto done;
	}
	lock = -1;
	fprintf(stderr, "chat: post: session %s: turn started for %s\n", id, req->user);

	if (sse_begin(STDOUT_FILENO) == 0)
		chat_follow(STDOUT_FILENO, req->cfg.state_dir, id, 0, offset, 1);
done:
	if (lock >= 0)
		close(lock);
	turn_free_vector(argv);
	turn_free_vector(envp);
	agent_free(&agent);
}

static void
get_chat(struct cgi_request *req)
{
	struct session_meta meta;
	char id[BG_UUID_LEN + 2], param[BG_PARAM_MAX];
	const char *after_text = cgi_header("Last-Event-ID"), *errstr = NULL;
	long long after = 0;
	int rc;

	if (query_session(req, id, sizeof(id), &meta) == -1)
		return;

	/* A reconnecting client's Last-Event-ID wins over ?after=. */
	if (after_text == NULL) {
		rc = cgi_query_param(req->query, "after", param, sizeof(param));
		if (rc == -1) {
			cgi_error(400, "bad_after", "after must be an event id, a whole number.", NULL);
			return;
		}
		after_text = rc == 1 ? param : NULL;
	}
	if (after_text != NULL && after_text[0] != '\0') {
		after = util_strtonum(after_text, 0, INT64_MAX, &errstr);
		if (errstr != NULL) {
			cgi_error(400, "bad_after", "Last-Event-ID and after must be an event id, a whole number.", NULL);
			return;
		}
	}

	if (sse_begin(STDOUT_FILENO) == 0)
		chat_follow(STDOUT_FILENO, req->cfg.state_dir, id, after, 0, 0);
}

static void
delete_chat(struct cgi_request *req)
{
	struct session_meta meta;
	struct json_object *o;
	char id[BG_UUID_LEN + 2];
	int rc;

	if (query_session(req, id, sizeof(id), &meta) == -1)
		return;
	rc = turn_stop(req->cfg.state_dir, id);
	(void)audit_chat(req, "chat.stop", id, rc == 0);
	if (rc == 1) {
		cgi_error(409, "turn_not_running", "No turn is running in this session.", NULL);
		return;
	}
	if (rc == -1) {
		cgi_error(500, "stop_failed", "The turn could not be signalled; see the server log.", NULL);
		return;
	}
	fprintf(stderr, "chat: delete: session %s: stop requested by %s\n", id, req->user);
	o = json_object_new_object();
	json_object_object_add(o, "stopping", json_object_new_boolean(1));
	cgi_respond(202, o);
	json_object_put(o);
}

int
main(void)
{
	struct cgi_request req;

	if (cgi_begin(&req, CGI_GET | CGI_POST | CGI_DELETE) != 0)
		return 0;

	if (req.path_info[0] != '\0' && strcmp(req.path_info, "/") != 0)
		cgi_error(404, "not_found", "No such route; the chat is at /chat.", NULL);
	else if (req.method == CGI_POST)
		post_chat(&req);
	else if (req.method == CGI_GET)
		get_chat(&req);
	else
		delete_chat(&req);

	cgi_end(&req);
	return 0;
}
