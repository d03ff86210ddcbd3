/* config.h: breakglass.conf, the one file of `key = value` lines every program reads. */
#ifndef BG_CONFIG_H
#define BG_CONFIG_H

#include <netinet/in.h>
#include <stddef.h>

#include "bounds.h"

#define CONFIG_DEFAULT_PATH	"/etc/breakglass/breakglass.conf"
#define CONFIG_ENV		"BREAKGLASS_CONF"

/* One CIDR of trusted_proxies; IPv4 ranges are kept as IPv4-mapped IPv6. */
struct config_cidr {
	struct in6_addr	addr;
	int		prefix;		/* 0..128 */
};

struct config {
	char		state_dir[BG_CONF_VALUE_MAX];
	char		auth_header[BG_ENV_NAME_MAX];
	struct config_cidr trusted_proxies[BG_PROXIES_MAX];
	size_t		ntrusted_proxies;
	char		bearer_token_file[BG_CONF_VALUE_MAX];
	char		allowed_origin[BG_CONF_VALUE_MAX];

	char		pve_host[BG_CONF_VALUE_MAX];
	int		pve_port;
	char		pve_user[BG_CONF_VALUE_MAX];
	char		known_hosts[BG_CONF_VALUE_MAX];
	char		ssh_key[BG_CONF_VALUE_MAX];
	char		ssh_key_passphrase_file[BG_CONF_VALUE_MAX];	/* "": key not encrypted */
	int		vmid;
	int		connect_timeout;	/* seconds */
	int		verb_timeout;		/* seconds */

	char		claude_bin[BG_CONF_VALUE_MAX];
	char		agent_file[BG_CONF_VALUE_MAX];
	char		agent_env[BG_AGENT_ENV_MAX][BG_ENV_NAME_MAX];
	size_t		nagent_env;
	char		model[BG_CONF_VALUE_MAX];
	int		turn_timeout;		/* seconds */
	int		max_turns;
};

/* Set every key to its default. */
void config_defaults(struct config *cfg);

/* Load the file named by $BREAKGLASS_CONF, or the default path, over the
 * defaults. On error return -1 and write the offending key (or "file" for
 * an unreadable file, "line N" for a malformed line) to errkey; detail goes
 * to stderr. */
int config_load(struct config *cfg, char *errkey, size_t errkeysz);

/* Parse a buffer of config text over cfg; same contract as config_load. */
int config_parse(struct config *cfg, const char *text, size_t len,
    char *errkey, size_t errkeysz);

/* Parse "a.b.c.d/n" or "v6::/n" (a bare address is a /32 or /128). */
int config_parse_cidr(const char *s, struct config_cidr *out);

/* Return 1 when the textual address lies in one of cfg's trusted proxies. */
int config_addr_trusted(const struct config *cfg, const char *addr);

#endif
