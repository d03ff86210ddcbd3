/* check_config.c: breakglass.conf parsing: defaults, every key, and errors that name the key. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "config.h"

static int
parse(struct config *cfg, const char *text, char *err, size_t errsz)
{
	config_defaults(cfg);
	err[0] = '\0';
	return config_parse(cfg, text, strlen(text), err, errsz);
}

START_TEST(test_config_defaults_match_design)
{
	struct config cfg;

	config_defaults(&cfg);
	ck_assert_str_eq(cfg.state_dir, "/var/lib/breakglass");
	ck_assert_str_eq(cfg.auth_header, "X-authentik-username");
	ck_assert_uint_eq(cfg.ntrusted_proxies, 0);
	ck_assert_str_eq(cfg.bearer_token_file, "");
	ck_assert_int_eq(cfg.pve_port, 22);
	ck_assert_str_eq(cfg.pve_user, "root");
	ck_assert_int_eq(cfg.vmid, 102);
	ck_assert_int_eq(cfg.connect_timeout, 5);
	ck_assert_int_eq(cfg.verb_timeout, 180);
	ck_assert_str_eq(cfg.claude_bin, "claude");
	ck_assert_str_eq(cfg.agent_file, "conf/agent/breakglass.md");
	ck_assert_uint_eq(cfg.nagent_env, 3);
	ck_assert_str_eq(cfg.agent_env[0], "ANTHROPIC_API_KEY");
	ck_assert_str_eq(cfg.agent_env[1], "CLAUDE_CODE_OAUTH_TOKEN");
	ck_assert_str_eq(cfg.agent_env[2], "ANTHROPIC_BASE_URL");
	ck_assert_int_eq(cfg.turn_timeout, 900);
	ck_assert_int_eq(cfg.max_turns, 40);
}
END_TEST

START_TEST(test_config_parse_every_key)
{
	struct config cfg;
	char err[64];
	const char *text =
	    "# a comment\n"
	    "\n"
	    "state_dir = /srv/bg\n"
	    "auth_header = X-Remote-User\n"
	    "trusted_proxies = 10.0.0.0/8, 2001:db8::/32 ,192.0.2.7\n"
	    "bearer_token_file = /run/secrets/token\n"
	    "allowed_origin = https://bg.example.org:8443\n"
	    "pve_host = pve.example.org\n"
	    "pve_port = 2222\n"
	    "pve_user = breakglass\n"
	    "known_hosts = /etc/breakglass/known_hosts\n"
	    "ssh_key = /run/secrets/id_ed25519\n"
	    "vmid = 105\n"
	    "connect_timeout = 3\n"
	    "verb_timeout = 240\n"
	    "claude_bin = /usr/local/bin/claude\n"
	    "agent_file = /etc/breakglass/agent.md\n"
	    "agent_env = ANTHROPIC_API_KEY, HTTPS_PROXY\n"
	    "model = claude-sonnet-4-5\n"
	    "turn_timeout = 600\n"
	    "max_turns = 25\r\n";

	ck_assert_int_eq(parse(&cfg, text, err, sizeof(err)), 0);
	ck_assert_str_eq(cfg.state_dir, "/srv/bg");
	ck_assert_str_eq(cfg.auth_header, "X-Remote-User");
	ck_assert_uint_eq(cfg.ntrusted_proxies, 3);
	ck_assert_int_eq(cfg.trusted_proxies[0].prefix, 96 + 8);
	ck_assert_int_eq(cfg.trusted_proxies[1].prefix, 32);
	ck_assert_int_eq(cfg.trusted_proxies[2].prefix, 128);
	ck_assert_str_eq(cfg.allowed_origin, "https://bg.example.org:8443");
	ck_assert_str_eq(cfg.pve_host, "pve.example.org");
	ck_assert_int_eq(cfg.pve_port, 2222);
	ck_assert_int_eq(cfg.vmid, 105);
	ck_assert_int_eq(cfg.verb_timeout, 240);
	ck_assert_uint_eq(cfg.nagent_env, 2);
	ck_assert_str_eq(cfg.agent_env[1], "HTTPS_PROXY");
	ck_assert_str_eq(cfg.model, "claude-sonnet-4-5");
	ck_assert_int_eq(cfg.max_turns, 25);
}
END_TEST

/* Each bad file and the key its error must name. */
static const struct {
	const char *text;
	const char *key;
} bad[] = {
	{ "stat_dir = /x\n", "stat_dir" },
	{ "pve_port = 0\n", "pve_port" },
	{ "pve_port = 65536\n", "pve_port" },
	{ "pve_port = 22x\n", "pve_port" },
	{ "pve_port = \n", "pve_port" },
	{ "pve_port = +22\n", "pve_port" },
	{ "pve_port = 0x16\n", "pve_port" },
	{ "vmid = 99\n", "vmid" },
	{ "vmid = -102\n", "vmid" },
	{ "connect_timeout = 0\n", "connect_timeout" },
	{ "verb_timeout = 99999999999999999999\n", "verb_timeout" },
	{ "turn_timeout = 1.5\n", "turn_timeout" },
	{ "max_turns = 1001\n", "max_turns" },
	{ "trusted_proxies = 10.0.0.0/33\n", "trusted_proxies" },
	{ "trusted_proxies = 10.0.0/8\n", "trusted_proxies" },
	{ "trusted_proxies = ::1/129\n", "trusted_proxies" },
	{ "trusted_proxies = example.org\n", "trusted_proxies" },
	{ "agent_env = lower_case\n", "agent_env" },
	{ "agent_env = A-B\n", "agent_env" },
	{ "auth_header = X Remote\n", "auth_header" },
	{ "auth_header =\n", "auth_header" },
	{ "pve_host = -oProxyCommand=x\n", "pve_host" },
	{ "pve_host = a b\n", "pve_host" },
	{ "model = --help\n", "model" },
	{ "claude_bin = -x\n", "claude_bin" },
	{ "state_dir = relative/path\n", "state_dir" },
	{ "state_dir = /a\nstate_dir = /b\n", "state_dir" },
	{ "vmid 102\n", "line 1" },
	{ "# fine\n= 3\n", "line 2" },
	{ "Bad Key! = 1\n", "line 1" },
	{ "VMID = 102\n", "VMID" },
	{ "allowed_origin = https://bg.example.org/\n", "allowed_origin" },
	{ "allowed_origin = bg.example.org\n", "allowed_origin" },
	{ "allowed_origin = https://bg.example.org/path\n", "allowed_origin" },
	{ "allowed_origin = ftp://bg.example.org\n", "allowed_origin" },
	{ "pve_host = pve # the host\n", "pve_host" },
};

START_TEST(test_config_parse_error_names_key)
{
	struct config cfg;
	char err[64];

	ck_assert_msg(parse(&cfg, bad[_i].text, err, sizeof(err)) == -1, "accepted %s", bad[_i].text);
	ck_assert_str_eq(err, bad[_i].key);
}
END_TEST

START_TEST(test_config_parse_nul_byte_rejected)
{
	struct config cfg;
	char err[64];
	const char text[] = "vmid = 1\0002\n";

	config_defaults(&cfg);
	ck_assert_int_eq(config_parse(&cfg, text, sizeof(text) - 1, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "line 1");
}
END_TEST

START_TEST(test_config_parse_overlong_line_rejected)
{
	struct config cfg;
	char err[64];
	size_t n = BG_CONF_LINE_MAX + 10;
	char *text = malloc(n + 1);

	memset(text, 'a', n);
	memcpy(text, "model = ", 8);
	text[n] = '\0';
	ck_assert_int_eq(parse(&cfg, text, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "line 1");
	free(text);
}
END_TEST

START_TEST(test_config_load_unreadable_file)
{
	struct config cfg;
	char err[64];

	setenv(CONFIG_ENV, "/nonexistent/breakglass.conf", 1);
	ck_assert_int_eq(config_load(&cfg, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "file");
}
END_TEST

START_TEST(test_config_addr_trusted_ranges)
{
	struct config cfg;
	char err[64];

	ck_assert_int_eq(parse(&cfg, "trusted_proxies = 10.0.0.0/8, 2001:db8::/32, 192.0.2.7\n", err, sizeof(err)), 0);
	ck_assert_int_eq(config_addr_trusted(&cfg, "10.255.1.1"), 1);
	ck_assert_int_eq(config_addr_trusted(&cfg, "11.0.0.0"), 0);
	ck_assert_int_eq(config_addr_trusted(&cfg, "192.0.2.7"), 1);
	ck_assert_int_eq(config_addr_trusted(&cfg, "192.0.2.8"), 0);
	ck_assert_int_eq(config_addr_trusted(&cfg, "2001:db8:ffff::1"), 1);
	ck_assert_int_eq(config_addr_trusted(&cfg, "2001:db9::1"), 0);
	ck_assert_int_eq(config_addr_trusted(&cfg, "::ffff:10.0.0.1"), 1);
	ck_assert_int_eq(config_addr_trusted(&cfg, "10.0.0.1/8"), 0);
	ck_assert_int_eq(config_addr_trusted(&cfg, ""), 0);
	ck_assert_int_eq(config_addr_trusted(&cfg, "garbage"), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_config_defaults_match_design);
	tcase_add_test(tc, test_config_parse_every_key);
	tcase_add_loop_test(tc, test_config_parse_error_names_key, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_config_parse_nul_byte_rejected);
	tcase_add_test(tc, test_config_parse_overlong_line_rejected);
	tcase_add_test(tc, test_config_load_unreadable_file);
	tcase_add_test(tc, test_config_addr_trusted_ranges);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
