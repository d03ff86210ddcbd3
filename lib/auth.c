/* auth.c: decides who is asking, from the edge proxy's identity header or a bearer token, failing closed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "cgi.h"
#include "util.h"

const char *
auth_env_once(char *const *env, const char *name, int *count)
{
	const char *found = NULL;
	size_t nlen = strlen(name);
	char *const *e;

	*count = 0;
	for (e = env; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, name, nlen) == 0 && (*e)[nlen] == '=') {
			(*count)++;
			found = *e + nlen + 1;
		}
	}
	return *count == 1 ? found : NULL;
}

/* An identity is 1..BG_IDENTITY_MAX bytes of printable ASCII, no comma
 * (lighttpd joins repeated headers with ", ", so a comma means two). */
static int
identity_ok(const char *v)
{
	size_t i;

	for (i = 0; v[i] != '\0'; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c < 0x20 || c > 0x7e || c == ',')
			return 0;
		if (i >= BG_IDENTITY_MAX)
			return 0;
	}
	return i > 0;
}

/* Read the token file: at least BG_TOKEN_MIN bytes, one trailing newline
 * dropped. Return the length, or -1; the caller wipes and frees *out. */
static long
read_token(const char *path, char **out)
{
	size_t len;
	char *tok = util_read_file(path, BG_TOKEN_MAX, &len);

	*out = tok;
	if (tok == NULL) {
		fprintf(stderr, "breakglass: auth: bearer_token_file: %s\n", strerror(errno));
		return -1;
	}
	if (len > 0 && tok[len - 1] == '\n')
		tok[--len] = '\0';
	if (len > 0 && tok[len - 1] == '\r')
		tok[--len] = '\0';
	if (len < BG_TOKEN_MIN || memchr(tok, '\0', len) != NULL) {
		fprintf(stderr, "breakglass: auth: bearer_token_file is shorter than %d bytes\n", BG_TOKEN_MIN);
		return -1;
	}
	return (long)len;
}

/* Take the credentials of "Bearer <token>": the scheme in any case, then
 * one or more spaces, then a token68 with nothing after it (RFC 6750 2.1). */
static const char *
bearer_credentials(const char *h)
{
	static const char scheme[] = "Bearer";
	const char *t, *p;

	if (strncasecmp(h, scheme, sizeof(scheme) - 1) != 0 || h[sizeof(scheme) - 1] != ' ')
		return NULL;
	t = h + sizeof(scheme) - 1;
	while (*t == ' ')
		t++;
	if (*t == '\0')
		return NULL;
	for (p = t; *p != '\0'; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~+/=", *p) != NULL))
			return NULL;
	}
	return t;
}

enum auth_result
auth_check(const struct config *cfg, char *const *env, const char *remote_addr,
    char *user, size_t usersz)
{
	int have_proxy = cfg->ntrusted_proxies > 0;
	int have_bearer = cfg->bearer_token_file[0] != '\0';
	enum auth_result rc = AUTH_UNAUTHORIZED;
	char *token = NULL;
	long toklen = 0;
	int count;

	if (!have_proxy && !have_bearer)
		return AUTH_NOT_CONFIGURED;

	/* 1. The edge proxy's identity header, only from a trusted address. */
	if (have_proxy && config_addr_trusted(cfg, remote_addr)) {
		char var[BG_ENV_NAME_MAX + 8];
		const char *v;

		if (cgi_header_var(cfg->auth_header, var, sizeof(var)) == -1)
			return AUTH_CONFIG_ERROR;
		v = auth_env_once(env, var, &count);
		if (count > 1 || (count == 1 && !identity_ok(v)))
			return AUTH_BAD_IDENTITY;
		if (count == 1) {
			if (util_strlcpy(user, v, usersz) >= usersz)
				return AUTH_BAD_IDENTITY;
			return AUTH_OK;
		}
	}

	/* 2. A bearer token, compared in constant time and wiped after. */
	if (have_bearer) {
		const char *h = auth_env_once(env, "HTTP_AUTHORIZATION", &count);
		const char *cred;

		if (count != 1)
			return AUTH_UNAUTHORIZED;
		cred = bearer_credentials(h);
		if (cred == NULL)
			return AUTH_UNAUTHORIZED;
		toklen = read_token(cfg->bearer_token_file, &token);
		if (toklen == -1)
			rc = AUTH_CONFIG_ERROR;
		else if (util_consttime_equal(cred, strlen(cred), token, (size_t)toklen))
			rc = AUTH_OK;
		if (token != NULL) {
			explicit_bzero(token, (size_t)(toklen > 0 ? toklen : 0));
			free(token);
		}
		if (rc == AUTH_OK)
			util_strlcpy(user, "token", usersz);
	}
	return rc;
}

int
auth_origin_ok(const struct config *cfg, char *const *env, const char *remote_addr)
{
	char own[BG_CONF_VALUE_MAX];
	const char *origin, *host, *scheme;
	int count;

	origin = auth_env_once(env, "HTTP_ORIGIN", &count);
	if (count == 0)
		return 0;
	if (count > 1 || origin == NULL)
		return -1;

	if (cfg->allowed_origin[0] != '\0' && strcmp(origin, cfg->allowed_origin) == 0)
		return 0;

	host = auth_env_once(env, "HTTP_HOST", &count);
	if (host == NULL || *host == '\0')
		return -1;

	/* Behind a TLS-terminating proxy the request arrives as http; a trusted
	 * proxy's X-Forwarded-Proto names the scheme the browser used. */
	scheme = auth_env_once(env, "REQUEST_SCHEME", &count);
	if (scheme == NULL)
		scheme = auth_env_once(env, "HTTPS", &count) != NULL ? "https" : "http";
	if (config_addr_trusted(cfg, remote_addr)) {
		const char *fwd = auth_env_once(env, "HTTP_X_FORWARDED_PROTO", &count);
		if (fwd != NULL && (strcmp(fwd, "https") == 0 || strcmp(fwd, "http") == 0))
			scheme = fwd;
	}
	if ((size_t)snprintf(own, sizeof(own), "%s://%s", scheme, host) >= sizeof(own))
		return -1;
	return strcmp(origin, own) == 0 ? 0 : -1;
}
