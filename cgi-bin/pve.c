/* pve.c: the /pve route: lists the power verbs and runs one on the Proxmox host through the gate. */
/*
 * GET /pve   {"vmid":N,"verbs":[{"name","mutating","description"}]}
 * POST /pve  {"verb":v} (+ "confirm":v for mutating verbs): runs v over SSH
 *            and returns {"verb","vmid","ok","exit_status","state","stdout",
 *            "stderr","duration_ms","audit_id"}; status adds "uptime",
 *            "pid", "qmpstatus" and "lock" when qm reported them.
 *
 * Audit actions: "pve.refused" (bad verb, no confirmation, busy), then for a
 * verb that runs "pve.begin" before anything is sent (when that record
 * cannot be written, nothing runs) and "pve.run" with the outcome.
 *
 * lighttpd sends SIGTERM when the client goes away. Until the verb is sent
 * that cancels the request; after it, the signal is only noted, so the
 * verb is seen through and audited.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "audit.h"
#include "cgi.h"
#include "pvestatus.h"
#include "ssh.h"
#include "utf8.h"
#include "util.h"
#include "verb.h"

#define PVE_LOCK_FILE	"pve.lock"

static volatile sig_atomic_t client_gone;

static void
on_term(int sig)
{
	(void)sig;
	client_gone = 1;
}

/* Copy len bytes into a new JSON string with invalid UTF-8 replaced by
 * U+FFFD, so the response is always valid JSON text. */
static struct json_object *
utf8_string(const char *s, size_t len)
{
	struct json_object *obj;
	char *buf;
	size_t n;

	buf = malloc(len * UTF8_REPLACEMENT_LEN + 1);
	if (buf == NULL)
		return json_object_new_string("");
	n = utf8_repair(buf, s, len);
	obj = json_object_new_string_len(buf, (int)n);
	free(buf);
	return obj;
}

static void
list_verbs(const struct cgi_request *req)
{
	struct json_object *root = json_object_new_object();
	struct json_object *verbs = json_object_new_array();
	size_t i;

	for (i = 0; i < verb_count(); i++) {
		const struct verb *v = verb_at(i);
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(v->name));
		json_object_object_add(o, "mutating", json_object_new_boolean(v->mutating));
		json_object_object_add(o, "description", json_object_new_string(v->description));
		json_object_array_add(verbs, o);
	}
	json_object_object_add(root, "vmid", json_object_new_int(req->cfg.vmid));
	json_object_object_add(root, "verbs", verbs);
	cgi_respond(200, root);
	json_object_put(root);
}

/* Return the verb named by body member key, or NULL when it is missing,
 * not a string or not exactly a verb (an embedded NUL included). */
static const struct verb *
body_verb(const struct cgi_request *req, const char *key)
{
	struct json_object *v;

	if (req->body == NULL || !json_object_object_get_ex(req->body, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return verb_lookup_len(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v));
}

/* Append a record; return 0 or -1. */
static int
audit(const struct cgi_request *req, const char *action, const struct verb *v,
    int ok, int exit_status, const char *state, long long duration_ms,
    char *id, size_t idsz)
{
	struct audit_record rec;

	memset(&rec, 0, sizeof(rec));
	rec.user = req->user;
	rec.remote = req->remote_addr;
	rec.action = action;
	rec.verb = v != NULL ? v->name : NULL;
	rec.ok = ok;
	rec.exit_status = exit_status;
	rec.state = state;
	rec.duration_ms = duration_ms;
	if (audit_append(req->cfg.state_dir, &rec) != 0) {
		fprintf(stderr, "pve: audit: %s for verb %s not recorded\n", action,
		    v != NULL ? v->name : "-");
		return -1;
	}
	if (id != NULL)
		util_strlcpy(id, rec.id, idsz);
	return 0;
}

/* Reject the request: audit it (best effort, since nothing runs) and send the error. */
static void
refuse(const struct cgi_request *req, const struct verb *v, int status,
    const char *code, const char *message)
{
	fprintf(stderr, "pve: refuse: %s for verb %s, user %s from %s\n", code,
	    v != NULL ? v->name : "-", req->user, req->remote_addr);
	(void)audit(req, "pve.refused", v, 0, -1, NULL, -1, NULL, 0);
	cgi_error(status, code, message, NULL);
}

/* Take the CGI-side lock on mutating verbs: fd, -1 when busy, -2 on error. */
static int
take_lock(const struct cgi_request *req)
{
	char path[PATH_MAX];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", req->cfg.state_dir,
	    PVE_LOCK_FILE) >= sizeof(path))
		return -2;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		fprintf(stderr, "pve: take_lock: %s: %s\n", path, strerror(errno));
		return -2;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		int busy = errno == EWOULDBLOCK;

		if (!busy)
			fprintf(stderr, "pve: take_lock: flock %s: %s\n", path, strerror(errno));
		close(fd);
		return busy ? -1 : -2;
	}
	return fd;
}

/* Send the error for an SSH failure: its status, code and a fixed message. */
static void
ssh_failure(int err, const struct ssh_output *o)
{
	switch (err) {
	case SSH_ERR_CONFIG:
		if (strncmp(o->detail, "known_hosts", 11) == 0)
			cgi_error(500, "config_error", "known_hosts is unreadable or invalid; check the file it names.", NULL);
		else if (strncmp(o->detail, "ssh_key_passphrase_file", 23) == 0)
			cgi_error(500, "config_error", "ssh_key_passphrase_file is unreadable; check the file it names.", NULL);
		else
			cgi_error(500, "config_error", "ssh_key is unreadable, invalid or needs a passphrase; check the key and ssh_key_passphrase_file.", NULL);
		break;
	case SSH_ERR_CONNECT:
		if (o->sent)
			cgi_error(502, "ssh_connect", "The connection to the Proxmox host was lost while the verb ran; run status to see the VM's state.", NULL);
		else
			cgi_error(502, "ssh_connect", "The Proxmox host's SSH server could not be reached; check pve_host, pve_port and that sshd runs.", NULL);
		break;
	case SSH_ERR_CONNECT_TIMEOUT:
		cgi_error(504, "connect_timeout", "The Proxmox host did not complete the SSH connection within connect_timeout; check that its sshd answers.", NULL);
		break;
	case SSH_ERR_HOST_KEY_UNKNOWN:
		cgi_error(502, "host_key_unknown", "known_hosts has no key for the Proxmox host; add the host's key to it.", NULL);
		break;
	case SSH_ERR_HOST_KEY_MISMATCH:
		cgi_error(502, "host_key_mismatch", "The Proxmox host's key does not match known_hosts; nothing was sent. Verify the host before you update known_hosts.", NULL);
		break;
	case SSH_ERR_AUTH:
		cgi_error(502, "ssh_auth", "The Proxmox host refused our SSH key; check its authorized_keys entry for the breakglass key.", NULL);
		break;
	case SSH_ERR_TIMEOUT:
		cgi_error(504, "verb_timeout", "The verb did not finish within verb_timeout; it may still be running, so run status before trying again.", NULL);
		break;
	default:
		cgi_error(500, "cancelled", "The request ended before the verb was sent.", NULL);
		break;
	}
}

/* Build the 200 response from the gate's output. */
static struct json_object *
build_answer(const struct cgi_request *req, const struct verb *v,
    const struct ssh_output *o, const struct pvestatus_result *r,
    size_t out_len, long long duration_ms, const char *audit_id)
{
	struct json_object *root = json_object_new_object();
	struct pvestatus st;

	json_object_object_add(root, "verb", json_object_new_string(v->name));
	json_object_object_add(root, "vmid", json_object_new_int(req->cfg.vmid));
	json_object_object_add(root, "ok", json_object_new_boolean(r->exit_status == 0));
	json_object_object_add(root, "exit_status", json_object_new_int(r->exit_status));
	json_object_object_add(root, "state", json_object_new_string(r->state));
	json_object_object_add(root, "stdout", utf8_string(o->out, out_len));
	json_object_object_add(root, "stderr", utf8_string(o->err, o->err_len));
	if (o->out_truncated)
		json_object_object_add(root, "stdout_truncated", json_object_new_boolean(1));
	if (o->err_truncated)
		json_object_object_add(root, "stderr_truncated", json_object_new_boolean(1));
	json_object_object_add(root, "duration_ms", json_object_new_int64(duration_ms));
	json_object_object_add(root, "audit_id",
	    audit_id[0] != '\0' ? json_object_new_string(audit_id) : NULL);

	if (v->id == VERB_STATUS && pvestatus_parse(o->out, out_len, &st) == 0) {
		if (st.uptime >= 0)
			json_object_object_add(root, "uptime", json_object_new_int64(st.uptime));
		if (st.pid >= 0)
			json_object_object_add(root, "pid", json_object_new_int64(st.pid));
		if (st.qmpstatus[0] != '\0')
			json_object_object_add(root, "qmpstatus", json_object_new_string(st.qmpstatus));
		if (st.lock[0] != '\0')
			json_object_object_add(root, "lock", json_object_new_string(st.lock));
	}
	return root;
}

/* Send the verb, then audit its outcome and send the response. */
static void
run_verb(const struct cgi_request *req, const struct verb *v)
{
	struct ssh_target target;
	struct ssh_output o;
	struct pvestatus_result r;
	struct json_object *answer;
	char audit_id[BG_UUID_LEN + 1] = "";
	int64_t t0, connect_deadline, deadline;
	long long duration_ms;
	size_t line_start = 0, out_len;
	int err, have_result;

	memset(&target, 0, sizeof(target));
	target.host = req->cfg.pve_host;
	target.port = req->cfg.pve_port;
	target.user = req->cfg.pve_user;
	target.known_hosts = req->cfg.known_hosts;
	target.key_file = req->cfg.ssh_key;
	target.passphrase_file = req->cfg.ssh_key_passphrase_file;

	t0 = util_now_ms();
	connect_deadline = t0 + (int64_t)req->cfg.connect_timeout * 1000;
	deadline = connect_deadline + (int64_t)req->cfg.verb_timeout * 1000;
	err = ssh_exec(&target, v->name, connect_deadline, deadline, &client_gone, &o);
	duration_ms = (long long)(util_now_ms() - t0);

	if (err != SSH_OK) {
		fprintf(stderr, "pve: run_verb: verb %s: %s: %s%s\n", v->name,
		    ssh_error_code(err), o.detail, o.sent ? " (after the verb was sent)" : "");
		(void)audit(req, "pve.run", v, 0, -1, NULL, duration_ms, NULL, 0);
		ssh_failure(err, &o);
		goto done;
	}

	/* The gate's last line is the verdict; libssh2's exit status reads 0
	 * when the channel closed without one, so it is only cross-checked. */
	have_result = pvestatus_last_result(o.tail, o.tail_len, &r, NULL) == 0 &&
	    strcmp(r.verb, v->name) == 0;
	if (!have_result || r.exit_status == 64 || r.exit_status == 77) {
		fprintf(stderr, "pve: run_verb: verb %s: %s (remote exit status %d)\n", v->name,
		    have_result ? "the gate refused it" : "no gate result line", o.exit_status);
		(void)audit(req, "pve.run", v, 0, have_result ? r.exit_status : o.exit_status,
		    NULL, duration_ms, NULL, 0);
		cgi_error(502, "gate_refused", "The Proxmox host did not run the verb through the breakglass gate; check the gate and its authorized_keys line.", NULL);
		goto done;
	}
	if (o.exit_status != -1 && o.exit_status != r.exit_status)
		fprintf(stderr, "pve: run_verb: verb %s: the gate's result line has exit %d but the channel's exit status is %d\n",
		    v->name, r.exit_status, o.exit_status);
	if (r.exit_status == 75) {
		(void)audit(req, "pve.refused", v, 0, r.exit_status, NULL, duration_ms, NULL, 0);
		cgi_error(409, "verb_running", "Another power verb is running on the Proxmox host; try again when it ends.", NULL);
		goto done;
	}

	/* The stdout shown is qm's, without the gate's line. */
	out_len = o.out_len;
	if (!o.out_truncated && pvestatus_last_result(o.out, o.out_len, &r, &line_start) == 0)
		out_len = line_start;

	if (audit(req, "pve.run", v, r.exit_status == 0, r.exit_status, r.state,
	    duration_ms, audit_id, sizeof(audit_id)) != 0)
		fprintf(stderr, "pve: run_verb: verb %s ran but its result is not in the audit log\n", v->name);
	answer = build_answer(req, v, &o, &r, out_len, duration_ms, audit_id);
	cgi_respond(200, answer);
	json_object_put(answer);

done:
	ssh_output_free(&o);
}

static void
post_verb(const struct cgi_request *req)
{
	const struct verb *v;
	struct sigaction sa;
	int lock_fd = -1;

	v = body_verb(req, "verb");
	if (v == NULL) {
		refuse(req, NULL, 400, "bad_verb", "verb must be one of status, forensics, start, stop, reset, cycle.");
		return;
	}
	if (v->mutating && body_verb(req, "confirm") != v) {
		refuse(req, v, 428, "confirm_required", "This verb changes the VM: send \"confirm\" equal to the verb to run it.");
		return;
	}
	if (req->cfg.pve_host[0] == '\0') {
		cgi_error(500, "config_error", "pve_host is not set in breakglass.conf.", NULL);
		return;
	}
	if (req->cfg.known_hosts[0] == '\0') {
		cgi_error(500, "config_error", "known_hosts is not set in breakglass.conf.", NULL);
		return;
	}

	if (v->mutating) {
		lock_fd = take_lock(req);
		if (lock_fd == -1) {
			refuse(req, v, 409, "verb_running", "Another power verb is running; wait for it to finish.");
			return;
		}
		if (lock_fd == -2) {
			cgi_error(500, "state_error", "The power lock under state_dir could not be taken; check state_dir's permissions.", NULL);
			return;
		}
	}

	/* From here a SIGTERM (the client left) is only noted: before the
	 * verb is sent it cancels, after it the verb is seen through. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);

	if (audit(req, "pve.begin", v, 0, -1, NULL, -1, NULL, 0) != 0) {
		cgi_error(500, "audit_failed", "The audit log could not be written, so the verb was not run; check state_dir.", NULL);
		goto done;
	}
	run_verb(req, v);

done:
	if (lock_fd >= 0)
		close(lock_fd);
}

int
main(void)
{
	struct cgi_request req;

	if (cgi_begin(&req, CGI_GET | CGI_POST) != 0)
		return 0;

	if (strcmp(req.path_info, "") != 0 && strcmp(req.path_info, "/") != 0)
		cgi_error(404, "not_found", "No such route; use GET or POST /pve.", NULL);
	else if (req.method == CGI_GET)
		list_verbs(&req);
	else
		post_verb(&req);

	cgi_end(&req);
	return 0;
}
