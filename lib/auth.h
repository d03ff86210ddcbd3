/* auth.h: who is asking: the edge proxy's identity header or a bearer token, failing closed. */
#ifndef BG_AUTH_H
#define BG_AUTH_H

#include <stddef.h>

#include "config.h"

enum auth_result {
	AUTH_OK = 0,
	AUTH_UNAUTHORIZED,	/* 401: no or wrong credentials */
	AUTH_BAD_IDENTITY,	/* 400: identity header duplicated or malformed */
	AUTH_NOT_CONFIGURED,	/* 503: neither method configured */
	AUTH_CONFIG_ERROR,	/* 500: token file unreadable or too short */
};

/*
 * Authenticate the request described by `env` (an environ-style array) and
 * remote_addr. On AUTH_OK the user name is in user (size at least
 * BG_IDENTITY_MAX + 1).
 */
enum auth_result auth_check(const struct config *cfg, char *const *env,
    const char *remote_addr, char *user, size_t usersz);

/*
 * Check a POST or DELETE's Origin: absent, the request's own scheme://host,
 * or cfg->allowed_origin. Return 0 when acceptable.
 */
int auth_origin_ok(const struct config *cfg, char *const *env, const char *remote_addr);

/* Return the value of variable `name` when it occurs in env exactly once,
 * NULL when absent; set *count to the number of occurrences. */
const char *auth_env_once(char *const *env, const char *name, int *count);

#endif
