/* cgi.c: the request side of every CGI program (method, auth, Origin, body) and its JSON responses. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth.h"
#include "cgi.h"
#include "jsoncheck.h"
#include "utf8.h"
#include "util.h"

extern char **environ;

static const struct {
	int		status;
	const char	*text;
} statuses[] = {
	{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" }, { 204, "No Content" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
	{ 404, "Not Found" }, { 405, "Method Not Allowed" }, { 409, "Conflict" },
	{ 413, "Content Too Large" }, { 415, "Unsupported Media Type" },
	{ 428, "Precondition Required" }, { 500, "Internal Server Error" },
	{ 502, "Bad Gateway" }, { 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
};

const char *
cgi_status_text(int status)
{
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == status)
			return statuses[i].text;
	return "Unknown";
}

/* Write the status line and headers of a JSON response; 0 or -1. */
static int
respond_head(int status, const char *extra)
{
	char head[1024];
	int n;

	n = snprintf(head, sizeof(head),
	    "Status: %d %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n"
	    "%s\r\n",
	    status, cgi_status_text(status), extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof(head)) {
		fprintf(stderr, "breakglass: respond: header too long\n");
		return -1;
	}
	return util_write_all(STDOUT_FILENO, head, (size_t)n);
}

int
cgi_respond_head(int status)
{
	return respond_head(status, NULL);
}

static void
respond_raw(int status, const char *extra, const char *body)
{
	/* A gone client is not an error worth more than a log line. */
	if (respond_head(status, extra) == -1 ||
	    util_write_all(STDOUT_FILENO, body, strlen(body)) == -1 ||
	    util_write_all(STDOUT_FILENO, "\n", 1) == -1)
		fprintf(stderr, "breakglass: respond: write: %s\n", strerror(errno));
}

void
cgi_respond(int status, struct json_object *obj)
{
	respond_raw(status, NULL,
	    json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

void
cgi_error(int status, const char *code, const char *message, const char *extra)
{
	struct json_object *root = json_object_new_object();
	struct json_object *err = json_object_new_object();

	json_object_object_add(err, "code", json_object_new_string(code));
	json_object_object_add(err, "message", json_object_new_string(message));
	json_object_object_add(root, "error", err);
	respond_raw(status, extra,
	    json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

int
cgi_header_var(const char *name, char *out, size_t outsz)
{
	size_t i, o = 0;

	if (outsz < 6)
		return -1;
	memcpy(out, "HTTP_", 5);
	o = 5;
	for (i = 0; name[i] != '\0'; i++) {
		char c = name[i];
		if (o + 1 >= outsz)
			return -1;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (c == '-' || c == '_' || c == '.')
			c = '_';
		else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return i > 0 ? 0 : -1;
}

const char *
cgi_header(const char *name)
{
	char var[BG_ENV_NAME_MAX + 8];
	const char *v;

	if (cgi_header_var(name, var, sizeof(var)) == -1)
		return NULL;
	v = getenv(var);
	if (v == NULL || strnlen(v, BG_HEADER_MAX + 1) > BG_HEADER_MAX)
		return NULL;
	return v;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode [s, s + len) into out; -1 on a bad escape, a NUL, or overflow. */
static int
decode(const char *s, size_t len, char *out, size_t outsz)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;
			if (i + 2 >= len)
				return -1;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (c == '\0' || o + 1 >= outsz)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

int
cgi_query_param(const char *query, const char *name, char *out, size_t outsz)
{
	size_t nlen = strlen(name);
	const char *p = query;
	int found = 0;

	if (query == NULL || strlen(query) > BG_QUERY_MAX)
		return query == NULL ? 0 : -1;

	while (*p != '\0') {
		const char *amp = strchr(p, '&');
		size_t plen = amp ? (size_t)(amp - p) : strlen(p);

		if (plen > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			if (found)
				return -1;	/* repeated: which one was meant? */
			if (decode(p + nlen + 1, plen - nlen - 1, out, outsz) == -1)
				return -1;
			found = 1;
		} else if (plen == nlen && strncmp(p, name, nlen) == 0) {
			return -1;	/* present without a value */
		}
		p += plen;
		if (*p == '&')
			p++;
	}
	return found;
}

const char *
cgi_body_string(const struct cgi_request *req, const char *key, size_t max)
{
	struct json_object *v;
	size_t len;

	if (req->body == NULL || !json_object_object_get_ex(req->body, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	len = (size_t)json_object_get_string_len(v);
	if (len == 0 || len > max)
		return NULL;
	return json_object_get_string(v);
}

/* Make sure fds 0-2 are open, so no file we open later becomes "stdout". */
static void
sanitize_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
			int n = open("/dev/null", O_RDWR);
			if (n == -1)
				_exit(111);
			if (n != fd) {
				dup2(n, fd);
				close(n);
			}
		}
	}
}

static void
allow_header(int allowed, char *out, size_t outsz)
{
	snprintf(out, outsz, "Allow: %s%s%s%s%s\r\n",
	    (allowed & CGI_GET) ? "GET" : "",
	    (allowed & CGI_GET) && (allowed & (CGI_POST | CGI_DELETE)) ? ", " : "",
	    (allowed & CGI_POST) ? "POST" : "",
	    (allowed & CGI_POST) && (allowed & CGI_DELETE) ? ", " : "",
	    (allowed & CGI_DELETE) ? "DELETE" : "");
}

static int
content_type_json(const char *ct)
{
	static const char json[] = "application/json";
	size_t n = sizeof(json) - 1;

	if (ct == NULL || strncasecmp(ct, json, n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/* Return 1 when buf is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF) without control bytes other than JSON's
 * whitespace. json-c's UTF-8 check passes overlong forms and surrogates, and
 * its strict mode passes raw control bytes inside strings. */
static int
body_bytes_ok(const unsigned char *buf, size_t len)
{
	size_t i = 0, n, bad;

	while (i < len) {
		if (buf[i] < 0x20 && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
			return 0;
		n = utf8_sequence(buf + i, len - i, &bad);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* Read CONTENT_LENGTH bytes of stdin and parse them as one JSON object.
 * Return 0, or the HTTP status of the error response already sent. */
static int
read_body(struct cgi_request *req)
{
	const char *cl = getenv("CONTENT_LENGTH");
	struct json_tokener *tok = NULL;
	char *buf = NULL;
	long long len = 0;
	size_t got = 0;
	int status = 400;

	if (cl != NULL && *cl != '\0') {
		const char *errstr;
		len = util_strtonum(cl, 0, BG_BODY_MAX, &errstr);
		if (errstr != NULL && strcmp(errstr, "too large") == 0) {
			cgi_error(413, "body_too_large", "The request body is larger than 64 KiB; send a shorter one.", NULL);
			return 413;
		}
		if (errstr != NULL) {
			cgi_error(400, "bad_request", "The Content-Length header is invalid.", NULL);
			return 400;
		}
	}
	if (len == 0) {
		cgi_error(400, "bad_json", "The request body is empty; send a JSON object.", NULL);
		return 400;
	}

	buf = malloc((size_t)len + 1);
	if (buf == NULL) {
		status = 500;
		cgi_error(500, "internal_error", "The server ran out of memory; try again.", NULL);
		goto done;
	}
	while (got < (size_t)len) {
		ssize_t n = read(STDIN_FILENO, buf + got, (size_t)len - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != (size_t)len) {
		cgi_error(400, "bad_request", "The request body is shorter than its Content-Length.", NULL);
		goto done;
	}
	buf[got] = '\0';

	/* Strict JSON, valid UTF-8, bounded depth, one object and nothing after. */
	if (!body_bytes_ok((const unsigned char *)buf, got))
		goto bad_json;
	tok = json_tokener_new_ex(BG_JSON_DEPTH_MAX);
	if (tok == NULL)
		goto bad_json;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	req->body = json_tokener_parse_ex(tok, buf, (int)got);
	if (req->body == NULL || json_tokener_get_error(tok) != json_tokener_success)
		goto bad_json;
	{
		size_t used = json_tokener_get_parse_end(tok);
		while (used < got && strchr(" \t\r\n", buf[used]) != NULL)
			used++;
		if (used != got)
			goto bad_json;
	}
	if (!json_object_is_type(req->body, json_type_object) || !jsoncheck_all_finite(req->body))
		goto bad_json;

	/* Two members of one name are refused: json-c would keep the last
	 * silently, so {"confirm":"x","confirm":"stop"} would confirm. */
	if (!jsoncheck_unique_keys(buf, got, req->body)) {
		cgi_error(400, "duplicate_key", "The request body names a member twice; send each member once.", NULL);
		json_object_put(req->body);
		req->body = NULL;
		goto done;
	}
	status = 0;
	goto done;

bad_json:
	cgi_error(400, "bad_json", "The request body is not a valid JSON object.", NULL);
	if (req->body != NULL) {
		json_object_put(req->body);
		req->body = NULL;
	}
done:
	if (tok != NULL)
		json_tokener_free(tok);
	free(buf);
	return status;
}

static int
parse_method(const char *m)
{
	if (m == NULL)
		return 0;
	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
		return CGI_GET;
	if (strcmp(m, "POST") == 0)
		return CGI_POST;
	if (strcmp(m, "DELETE") == 0)
		return CGI_DELETE;
	return 0;
}

int
cgi_begin(struct cgi_request *req, int allowed)
{
	char errkey[64], msg[160], allow[64];
	const char *pi;

	sanitize_fds();
	signal(SIGPIPE, SIG_IGN);
	memset(req, 0, sizeof(*req));
	req->method_name = getenv("REQUEST_METHOD");
	req->method = parse_method(req->method_name);
	req->query = getenv("QUERY_STRING");
	if (req->query == NULL)
		req->query = "";
	req->remote_addr = getenv("REMOTE_ADDR");
	if (req->remote_addr == NULL)
		req->remote_addr = "";

	/* 1. Configuration: nothing happens on a doubtful one. */
	if (config_load(&req->cfg, errkey, sizeof(errkey)) == -1) {
		if (strcmp(errkey, "file") == 0)
			util_strlcpy(msg, "The configuration file could not be read; check BREAKGLASS_CONF and the file's permissions.", sizeof(msg));
		else if ((size_t)snprintf(msg, sizeof(msg),
		    "The configuration is invalid at '%s'; fix breakglass.conf and retry.", errkey) >= sizeof(msg))
			util_strlcpy(msg, "The configuration is invalid; fix breakglass.conf and retry.", sizeof(msg));
		cgi_error(500, "config_error", msg, NULL);
		return -1;
	}

	/* 2. Authentication. */
	switch (auth_check(&req->cfg, environ, req->remote_addr, req->user, sizeof(req->user))) {
	case AUTH_OK:
		break;
	case AUTH_BAD_IDENTITY:
		fprintf(stderr, "breakglass: auth: malformed or repeated identity header from %s\n", req->remote_addr);
		cgi_error(400, "bad_identity", "The identity header is repeated or malformed; check the proxy in front of breakglass.", NULL);
		return -1;
	case AUTH_NOT_CONFIGURED:
		cgi_error(503, "auth_not_configured", "No authentication is configured; set trusted_proxies or bearer_token_file.", NULL);
		return -1;
	case AUTH_CONFIG_ERROR:
		cgi_error(500, "config_error", "The bearer token file is unreadable or shorter than 32 bytes; fix bearer_token_file.", NULL);
		return -1;
	default:
		fprintf(stderr, "breakglass: auth: unauthenticated %s request from %s\n",
		    req->method_name ? req->method_name : "?", req->remote_addr);
		cgi_error(401, "unauthorized", "Sign in: send the bearer token or come through the identity proxy.",
		    "WWW-Authenticate: Bearer realm=\"breakglass\"\r\n");
		return -1;
	}

	/* 3. Method, then what a state-changing request must carry. */
	if ((req->method & allowed) == 0) {
		allow_header(allowed, allow, sizeof(allow));
		cgi_error(405, "method_not_allowed", "This route does not accept that method.", allow);
		return -1;
	}
	pi = getenv("PATH_INFO");
	if (pi != NULL && util_strlcpy(req->path_info, pi, sizeof(req->path_info)) >= sizeof(req->path_info)) {
		cgi_error(404, "not_found", "No such route.", NULL);
		return -1;
	}
	if (strlen(req->query) > BG_QUERY_MAX) {
		cgi_error(400, "bad_request", "The query string is too long.", NULL);
		return -1;
	}
	if (req->method == CGI_POST || req->method == CGI_DELETE) {
		if (auth_origin_ok(&req->cfg, environ, req->remote_addr) == -1) {
			fprintf(stderr, "breakglass: origin: cross-origin %s from %s refused\n", req->method_name, req->remote_addr);
			cgi_error(403, "bad_origin", "The request's Origin is not this site's; behind a TLS proxy, set allowed_origin to the page's https:// origin.", NULL);
			return -1;
		}
		if (!content_type_json(getenv("CONTENT_TYPE"))) {
			cgi_error(415, "unsupported_media_type", "Send the request with Content-Type: application/json.", NULL);
			return -1;
		}
	}
	if (req->method == CGI_POST && read_body(req) != 0)
		return -1;
	return 0;
}

void
cgi_end(struct cgi_request *req)
{
	if (req->body != NULL)
		json_object_put(req->body);
	req->body = NULL;
}
