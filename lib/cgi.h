/* cgi.h: one CGI request (RFC 3875 variables and a JSON body) and its JSON response. */
#ifndef BG_CGI_H
#define BG_CGI_H

#include <stddef.h>

#include <json-c/json.h>

#include "config.h"
#include "bounds.h"

/* Methods a program accepts, or-ed together. */
#define CGI_GET		0x1
#define CGI_POST	0x2
#define CGI_DELETE	0x4

struct cgi_request {
	int			method;		/* CGI_GET, CGI_POST or CGI_DELETE */
	const char		*method_name;
	char			path_info[BG_PATH_INFO_MAX];	/* "" when absent */
	const char		*query;		/* QUERY_STRING, "" when absent */
	const char		*remote_addr;	/* "" when absent */
	struct json_object	*body;		/* POST body, a JSON object; NULL otherwise */
	char			user[BG_IDENTITY_MAX + 1];	/* who, after auth */
	struct config		cfg;
};

/*
 * Do what every route does before its own work: load the configuration,
 * authenticate, check the method against `allowed` (CGI_GET | ...), the
 * Origin and Content-Type of POST and DELETE, and read a POST body of at
 * most BG_BODY_MAX bytes as one JSON object.
 * Return 0 when the route may go on; otherwise the error response has been
 * written and the program should exit 0.
 */
int cgi_begin(struct cgi_request *req, int allowed);

/* Release what cgi_begin acquired. */
void cgi_end(struct cgi_request *req);

/*
 * Find query parameter `name`, percent-decoded, into out.
 * Return 1 when found, 0 when absent, -1 when repeated, malformed, longer
 * than outsz - 1 or containing a NUL byte.
 */
int cgi_query_param(const char *query, const char *name, char *out, size_t outsz);

/* Return the value of HTTP header `name` ("Last-Event-ID") from the CGI
 * environment, or NULL when absent or longer than BG_HEADER_MAX. */
const char *cgi_header(const char *name);

/* Map a header name to its CGI variable ("X-a-b" to "HTTP_X_A_B"); -1 when
 * it does not fit or has bytes a header name may not have. */
int cgi_header_var(const char *name, char *out, size_t outsz);

/* Write only the status and headers of a JSON response, for a body the
 * caller streams itself; 0 or -1. */
int cgi_respond_head(int status);

/* Write a complete JSON response with Cache-Control: no-store. */
void cgi_respond(int status, struct json_object *obj);

/* Write {"error":{"code","message"}} with the status; `extra` is more header
 * lines ("Allow: GET\r\n") or NULL. The message must not echo the request. */
void cgi_error(int status, const char *code, const char *message, const char *extra);

/* Return the reason phrase of an HTTP status. */
const char *cgi_status_text(int status);

/* Take the body member `key` as a string of 1..max bytes: return it, or NULL
 * when missing, not a string, empty or longer. */
const char *cgi_body_string(const struct cgi_request *req, const char *key, size_t max);

#endif
