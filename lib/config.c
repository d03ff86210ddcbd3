/* config.c: reads breakglass.conf and checks every key; any doubt is an error that names the key. */
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

enum config_kind { KIND_PATH, KIND_STRING, KIND_HEADER, KIND_HOST, KIND_ORIGIN, KIND_INT, KIND_CIDRS, KIND_NAMES };

struct config_key {
	const char		*name;
	enum config_kind	kind;
	size_t			offset;
	size_t			size;		/* strings: buffer size */
	long long		min, max;	/* numbers */
};

#define STR(k, field, kind) { k, kind, offsetof(struct config, field), sizeof(((struct config *)0)->field), 0, 0 }
#define NUM(k, field, lo, hi) { k, KIND_INT, offsetof(struct config, field), sizeof(int), lo, hi }

static const struct config_key keys[] = {
	STR("state_dir", state_dir, KIND_PATH),
	STR("auth_header", auth_header, KIND_HEADER),
	{ "trusted_proxies", KIND_CIDRS, 0, 0, 0, 0 },
	STR("bearer_token_file", bearer_token_file, KIND_PATH),
	STR("allowed_origin", allowed_origin, KIND_ORIGIN),
	STR("pve_host", pve_host, KIND_HOST),
	NUM("pve_port", pve_port, 1, 65535),
	STR("pve_user", pve_user, KIND_HOST),
	STR("known_hosts", known_hosts, KIND_PATH),
	STR("ssh_key", ssh_key, KIND_PATH),
	STR("ssh_key_passphrase_file", ssh_key_passphrase_file, KIND_PATH),
	NUM("vmid", vmid, 100, 999999999),
	NUM("connect_timeout", connect_timeout, 1, BG_TIMEOUT_MAX),
	NUM("verb_timeout", verb_timeout, 1, BG_TIMEOUT_MAX),
	STR("claude_bin", claude_bin, KIND_PATH),
	STR("agent_file", agent_file, KIND_PATH),
	{ "agent_env", KIND_NAMES, 0, 0, 0, 0 },
	STR("model", model, KIND_HOST),
	NUM("turn_timeout", turn_timeout, 1, BG_TIMEOUT_MAX),
	NUM("max_turns", max_turns, 1, BG_MAX_TURNS_MAX),
};

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	util_strlcpy(cfg->state_dir, "/var/lib/breakglass", sizeof(cfg->state_dir));
	util_strlcpy(cfg->auth_header, "X-authentik-username", sizeof(cfg->auth_header));
	cfg->pve_port = 22;
	util_strlcpy(cfg->pve_user, "root", sizeof(cfg->pve_user));
	cfg->vmid = 102;
	cfg->connect_timeout = 5;
	cfg->verb_timeout = 180;
	util_strlcpy(cfg->claude_bin, "claude", sizeof(cfg->claude_bin));
	util_strlcpy(cfg->agent_file, "conf/agent/breakglass.md", sizeof(cfg->agent_file));
	util_strlcpy(cfg->agent_env[0], "ANTHROPIC_API_KEY", BG_ENV_NAME_MAX);
	util_strlcpy(cfg->agent_env[1], "CLAUDE_CODE_OAUTH_TOKEN", BG_ENV_NAME_MAX);
	util_strlcpy(cfg->agent_env[2], "ANTHROPIC_BASE_URL", BG_ENV_NAME_MAX);
	cfg->nagent_env = 3;
	cfg->turn_timeout = 900;
	cfg->max_turns = 40;
}

int
config_parse_cidr(const char *s, struct config_cidr *out)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct in_addr v4;
	int maxprefix, offset;

	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, s, alen);
	addr[alen] = '\0';

	/* IPv4 ranges become IPv4-mapped IPv6 ranges, so one compare fits both. */
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, &v4) == 1) {
		out->addr.s6_addr[10] = 0xff;
		out->addr.s6_addr[11] = 0xff;
		memcpy(&out->addr.s6_addr[12], &v4, 4);
		maxprefix = 32;
		offset = 96;
	} else if (inet_pton(AF_INET6, addr, &out->addr) == 1) {
		maxprefix = 128;
		offset = 0;
	} else {
		return -1;
	}

	out->prefix = offset + maxprefix;
	if (slash != NULL) {
		const char *errstr;
		long long p = util_strtonum(slash + 1, 0, maxprefix, &errstr);
		if (errstr != NULL)
			return -1;
		out->prefix = offset + (int)p;
	}
	return 0;
}

static int
cidr_contains(const struct config_cidr *c, const struct in6_addr *a)
{
	int bits = c->prefix, i;

	for (i = 0; i < 16 && bits > 0; i++, bits -= 8) {
		unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
		if ((c->addr.s6_addr[i] & mask) != (a->s6_addr[i] & mask))
			return 0;
	}
	return 1;
}

int
config_addr_trusted(const struct config *cfg, const char *addr)
{
	struct config_cidr one;
	size_t i;

	if (addr == NULL || *addr == '\0' || strchr(addr, '/') != NULL)
		return 0;
	if (config_parse_cidr(addr, &one) == -1)
		return 0;
	for (i = 0; i < cfg->ntrusted_proxies; i++)
		if (cidr_contains(&cfg->trusted_proxies[i], &one.addr))
			return 1;
	return 0;
}

/* Split a comma-separated list into trimmed items; call fn on each non-empty one. */
static int
each_item(const char *value, int (*fn)(struct config *, const char *), struct config *cfg)
{
	char buf[BG_CONF_VALUE_MAX];
	char *item, *next;

	if (util_strlcpy(buf, value, sizeof(buf)) >= sizeof(buf))
		return -1;
	for (item = buf; item != NULL; item = next) {
		next = strchr(item, ',');
		if (next != NULL)
			*next++ = '\0';
		while (*item == ' ' || *item == '\t')
			item++;
		char *end = item + strlen(item);
		while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*item == '\0')
			continue;
		if (fn(cfg, item) == -1)
			return -1;
	}
	return 0;
}

static int
add_cidr(struct config *cfg, const char *item)
{
	if (cfg->ntrusted_proxies >= BG_PROXIES_MAX)
		return -1;
	if (config_parse_cidr(item, &cfg->trusted_proxies[cfg->ntrusted_proxies]) == -1)
		return -1;
	cfg->ntrusted_proxies++;
	return 0;
}

static int
valid_env_name(const char *s)
{
	size_t i;

	if (!((*s >= 'A' && *s <= 'Z') || *s == '_'))
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return i < BG_ENV_NAME_MAX;
}

static int
add_env_name(struct config *cfg, const char *item)
{
	if (cfg->nagent_env >= BG_AGENT_ENV_MAX || !valid_env_name(item))
		return -1;
	util_strlcpy(cfg->agent_env[cfg->nagent_env++], item, BG_ENV_NAME_MAX);
	return 0;
}

/* Bytes a value of each kind may hold; control bytes are never allowed. */
static int
value_ok(enum config_kind kind, const char *v)
{
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		switch (kind) {
		case KIND_HEADER:
			if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
				return 0;
			break;
		case KIND_HOST:
			/* Host names, user names and model names: no spaces, no
			 * option-like leading dash (they may reach an argv). */
			if (*p == ' ' || *p > 0x7e || (p == (const unsigned char *)v && *p == '-'))
				return 0;
			break;
		default:
			break;
		}
	}
	if (kind == KIND_PATH && *v != '\0' && *v == '-')
		return 0;
	return 1;
}

/* An Origin as browsers send it: http or https, "://", a host and an
 * optional port, with no path, not even a trailing slash (RFC 6454). */
static int
origin_ok(const char *v)
{
	const char *host;
	size_t i;

	if (strncmp(v, "https://", 8) == 0)
		host = v + 8;
	else if (strncmp(v, "http://", 7) == 0)
		host = v + 7;
	else
		return 0;
	for (i = 0; host[i] != '\0'; i++)
		if (!((host[i] >= 'a' && host[i] <= 'z') || (host[i] >= '0' && host[i] <= '9') ||
		    strchr("-.:[]", host[i]) != NULL))
			return 0;
	return i > 0;
}

static int
set_key(struct config *cfg, const struct config_key *k, const char *value)
{
	char *base = (char *)cfg;

	switch (k->kind) {
	case KIND_INT: {
		const char *errstr;
		long long n = util_strtonum(value, k->min, k->max, &errstr);
		if (errstr != NULL)
			return -1;
		*(int *)(base + k->offset) = (int)n;
		return 0;
	}
	case KIND_CIDRS:
		cfg->ntrusted_proxies = 0;
		return each_item(value, add_cidr, cfg);
	case KIND_NAMES:
		cfg->nagent_env = 0;
		return each_item(value, add_env_name, cfg);
	default:
		if (!value_ok(k->kind, value))
			return -1;
		if (k->kind == KIND_HEADER && *value == '\0')
			return -1;
		if (k->kind == KIND_ORIGIN && *value != '\0' && !origin_ok(value))
			return -1;
		if (util_strlcpy(base + k->offset, value, k->size) >= k->size)
			return -1;
		return 0;
	}
}

static int
looks_like_key(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return i > 0 && i <= 40;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

int
config_parse(struct config *cfg, const char *text, size_t len, char *errkey, size_t errkeysz)
{
	unsigned char seen[sizeof(keys) / sizeof(keys[0])] = { 0 };
	char line[BG_CONF_LINE_MAX];
	size_t pos = 0, lineno = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *key, *value, *eq;
		size_t i;

		lineno++;
		if (n >= sizeof(line) || memchr(text + pos, '\0', n) != NULL) {
			snprintf(errkey, errkeysz, "line %zu", lineno);
			return -1;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;

		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			snprintf(errkey, errkeysz, "line %zu", lineno);
			return -1;
		}
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(keys[i].name, key) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			/* Name an unknown key when it looks like one (a typo);
			 * anything else is named by its line. */
			if (looks_like_key(key))
				util_strlcpy(errkey, key, errkeysz);
			else
				snprintf(errkey, errkeysz, "line %zu", lineno);
			return -1;
		}

		/* A key given twice is a mistake whichever copy was meant. */
		if (seen[i]++ || set_key(cfg, &keys[i], value) == -1) {
			util_strlcpy(errkey, keys[i].name, errkeysz);
			return -1;
		}
	}

	if (cfg->state_dir[0] != '/') {
		util_strlcpy(errkey, "state_dir", errkeysz);
		return -1;
	}
	return 0;
}

int
config_load(struct config *cfg, char *errkey, size_t errkeysz)
{
	const char *path = getenv(CONFIG_ENV);
	size_t len;
	char *text;
	int rc;

	if (path == NULL || *path == '\0')
		path = CONFIG_DEFAULT_PATH;

	config_defaults(cfg);
	text = util_read_file(path, BG_CONF_FILE_MAX, &len);
	if (text == NULL) {
		fprintf(stderr, "breakglass: config_load: %s: %s\n", path, strerror(errno));
		util_strlcpy(errkey, "file", errkeysz);
		return -1;
	}
	rc = config_parse(cfg, text, len, errkey, errkeysz);
	if (rc == -1)
		fprintf(stderr, "breakglass: config_load: %s: invalid %s\n", path, errkey);
	free(text);
	return rc;
}
