/* fuzz_config.c: libFuzzer target for breakglass.conf parsing (config_parse, config_parse_cidr, config_addr_trusted). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "config.h"

/* Addresses tried against whatever trusted_proxies the input set. */
static const char *const addrs[] = {
	"127.0.0.1", "10.1.2.3", "::1", "::ffff:127.0.0.1", "fe80::1", "", "1.2.3.4/8",
};

/* Every string field must stay terminated inside its buffer. */
#define TERMINATED(f)	(memchr((f), '\0', sizeof(f)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct config_cidr cidr;
	char errkey[64], *copy;
	size_t i;
	int rc;

	config_defaults(&cfg);
	memset(errkey, 'X', sizeof(errkey));
	rc = config_parse(&cfg, (const char *)data, size, errkey, sizeof(errkey));
	if (rc != 0 && rc != -1)
		abort();
	if (rc == -1 && memchr(errkey, '\0', sizeof(errkey)) == NULL) {
		fprintf(stderr, "fuzz_config: errkey not terminated\n");
		abort();
	}
	if (rc == 0) {
		if (!TERMINATED(cfg.state_dir) || !TERMINATED(cfg.auth_header) ||
		    !TERMINATED(cfg.pve_host) || !TERMINATED(cfg.pve_user) ||
		    !TERMINATED(cfg.claude_bin) || !TERMINATED(cfg.model) ||
		    cfg.state_dir[0] != '/' || cfg.ntrusted_proxies > BG_PROXIES_MAX ||
		    cfg.nagent_env > BG_AGENT_ENV_MAX || cfg.pve_port < 1 || cfg.pve_port > 65535 ||
		    cfg.vmid < 100) {
			fprintf(stderr, "fuzz_config: accepted a configuration outside its bounds\n");
			abort();
		}
		for (i = 0; i < cfg.ntrusted_proxies; i++)
			if (cfg.trusted_proxies[i].prefix < 0 || cfg.trusted_proxies[i].prefix > 128)
				abort();
		for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
			(void)config_addr_trusted(&cfg, addrs[i]);
	}

	/* The same bytes as one CIDR and as a remote address. */
	copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (config_parse_cidr(copy, &cidr) == 0 && (cidr.prefix < 0 || cidr.prefix > 128))
		abort();
	config_defaults(&cfg);
	cfg.ntrusted_proxies = 1;
	(void)config_parse_cidr("10.0.0.0/8", &cfg.trusted_proxies[0]);
	(void)config_addr_trusted(&cfg, copy);
	free(copy);
	return 0;
}
