/* check_auth.c: the auth module: identity header, bearer token, Origin, failing closed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "auth.h"
#include "config.h"

#define TOKEN "0123456789abcdefghijklmnopqrstuvwxyzABCD"	/* 40 bytes */

static char tokdir[] = "/tmp/check_auth.XXXXXX";
static char tokfile[256];

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tokdir));
	snprintf(tokfile, sizeof(tokfile), "%s/token", tokdir);
	write_file(tokfile, TOKEN "\n");
}

static void
teardown(void)
{
	unlink(tokfile);
	rmdir(tokdir);
	strcpy(tokdir, "/tmp/check_auth.XXXXXX");	/* NOLINT: test reset */
}

/* A config with both methods: proxies 10.0.0.0/8 and fd00::/8, the token. */
static void
both(struct config *cfg)
{
	char err[64];
	char text[512];

	config_defaults(cfg);
	snprintf(text, sizeof(text),
	    "state_dir = /tmp\ntrusted_proxies = 10.0.0.0/8, fd00::/8\nbearer_token_file = %s\n", tokfile);
	ck_assert_int_eq(config_parse(cfg, text, strlen(text), err, sizeof(err)), 0);
}

static enum auth_result
check_env(const struct config *cfg, const char *remote, char **env, char *user)
{
	return auth_check(cfg, env, remote, user, BG_IDENTITY_MAX + 1);
}

START_TEST(test_auth_check_no_credentials)
{
	struct config cfg;
	char user[BG_IDENTITY_MAX + 1];
	char *env[] = { "REQUEST_METHOD=GET", NULL };

	both(&cfg);
	ck_assert_int_eq(check_env(&cfg, "127.0.0.1", env, user), AUTH_UNAUTHORIZED);
}
END_TEST

START_TEST(test_auth_check_right_token)
{
	struct config cfg;
	char user[BG_IDENTITY_MAX + 1];
	char *env[] = { "HTTP_AUTHORIZATION=Bearer " TOKEN, NULL };

	both(&cfg);
	ck_assert_int_eq(check_env(&cfg, "127.0.0.1", env, user), AUTH_OK);
	ck_assert_str_eq(user, "token");
}
END_TEST

/* Wrong, short, prefix, longer, and malformed Authorization values. */
static const char *bad_authorizations[] = {
	"HTTP_AUTHORIZATION=Bearer 0123456789abcdefghijklmnopqrstuvwxyzABCE",
	"HTTP_AUTHORIZATION=Bearer short",
	"HTTP_AUTHORIZATION=Bearer 0123456789abcdefghijklmnopqrstuvwxyzABC",
	"HTTP_AUTHORIZATION=Bearer 0123456789abcdefghijklmnopqrstuvwxyzABCDE",
	"HTTP_AUTHORIZATION=Bearer ",
	"HTTP_AUTHORIZATION=Bearer",
	"HTTP_AUTHORIZATION=Bearer\t" TOKEN,
	"HTTP_AUTHORIZATION=Bearer " TOKEN " ",
	"HTTP_AUTHORIZATION=Bearer " TOKEN "\n",
	"HTTP_AUTHORIZATION=BearerX " TOKEN,
	"HTTP_AUTHORIZATION=Basic " TOKEN,
	"HTTP_AUTHORIZATION=" TOKEN,
	"HTTP_AUTHORIZATION=Bearer " TOKEN ", Bearer " TOKEN,
	"HTTP_AUTHORIZATION=",
};

START_TEST(test_auth_check_bad_token_rejected)
{
	struct config cfg;
	char user[BG_IDENTITY_MAX + 1];
	char *env[] = { (char *)bad_authorizations[_i], NULL };

	both(&cfg);
	ck_assert_msg(check_env(&cfg, "127.0.0.1", env, user) == AUTH_UNAUTHORIZED,
	    "accepted %s", bad_authorizations[_i]);
}
END_TEST

/* The scheme is case-insensitive and may be followed by several spaces. */
static const char *good_authorizations[] = {
	"HTTP_AUTHORIZATION=Bearer " TOKEN,
	"HTTP_AUTHORIZATION=bearer " TOKEN,
	"HTTP_AUTHORIZATION=BEARER " TOKEN,
	"HTTP_AUTHORIZATION=Bearer   " TOKEN,
};

START_TEST(test_auth_check_bearer_spacing_and_case)
{
	struct config cfg;
	char user[BG_IDENTITY_MAX + 1];
	char *env[] = { (char *)good_authorizations[_i], NULL };

	both(&cfg);
	ck_assert_msg(check_env(&cfg, "127.0.0.1", env, user) == AUTH_OK,
	    "refused %s", good_authorizations[_i]);
}
END_TEST

START_TEST(test_auth_check_token_twice_rejected)
{
	struct config cfg;
	char user[BG_IDENTITY_MAX + 1];
	char *env[] = { "HTTP_AUTHORIZATION=Bearer " TOKEN, "HTTP_AUTHORIZATION=Bearer " TOKEN, NULL };

	both(&cfg);
	ck_assert_int_eq(check_env(&cfg, "127.0.0.1", env, user), AUTH_UNAUTHORIZED);
}
END_TEST

START_TEST(test_auth_check_identity_from_untrusted_ignored)
{
	struct config cfg;
	char user[BG_IDENTITY_MAX + 1];
	char *env[] = { "HTTP_X_AUTHENTIK_USERNAME=alice", NULL };

	both(&cfg);
	ck_assert_int_eq(check_env(&cfg, "192.168.1.5", env, user), AUTH_UNAUTHORIZED);
	ck_assert_int_eq(check_env(&cfg, "11.0.0.1", env, user), AUTH_UNAUTHORIZED);
	ck_assert_int_eq(check_env(&cfg, "", env, user), AUTH_UNAUTHORIZED);
	ck_assert_int_eq(check_env(&cfg, "fe80::1", env, user), AUTH_UNAUTHORIZED);
}
END_TEST

START_TEST(test_auth_check_identity_from_trusted)
{
	struct config cfg;
	char user[BG_IDENTITY_MAX + 1];
	char *env[] = { "HTTP_X_AUTHENTIK_USERNAME=alice@example.org", NULL };

	both(&cfg);
	ck_assert_int_eq(check_env(&cfg, "10.1.2.3", env, user), AUTH_OK);
	ck_assert_str_eq(user, "alice@example.org");
}
END_TEST

START_TEST(test_auth_check_identity_ipv6_proxy)
{
	struct config cfg;
	char user[BG_IDENTITY_MAX + 1];
	char *env[] = { "HTTP_X_AUTHENTIK_USERNAME=bob", NULL };

	both(&cfg);
	ck_assert_int_eq(check_env(&cfg, "fd12:3456::9", env, user), AUTH_OK);
	ck_assert_str_eq(user, "bob");
	ck_assert_int_eq(check_env(&cfg, "fe00::1", env, user), AUTH_UNAUTHORIZED);
	/* An IPv4-mapped address is the IPv4 address. */
	ck_assert_int_eq(check_env(&cfg, "::ffff:10.9.9.9", env, user), AUTH_OK);
}
END_TEST

START_TEST(test_auth_check_identity_twice_rejected)
{
	struct config cfg;
	char user[BG_IDENTITY_MAX + 1];
	char *env[] = { "HTTP_X_AUTHENTIK_USERNAME=alice", "HTTP_X_AUTHENTIK_USERNAME=mallory", NULL };

	both(&cfg);
	ck_assert_int_eq(check_env(&cfg, "10.0.0.1", env, user), AUTH_BAD_IDENTITY);
}
END_TEST

/* Malformed identities from a trusted proxy are 400, never a login and
 * never a fall-through to the token. */
static const char *bad_identities[] = {
	"HTTP_X_AUTHENTIK_USERNAME=alice, mallory",
	"HTTP_X_AUTHENTIK_USERNAME=alice,mallory",
	"HTTP_X_AUTHENTIK_USERNAME=",
	"HTTP_X_AUTHENTIK_USERNAME=al\x01ice",
	"HTTP_X_AUTHENTIK_USERNAME=alice\n",
	"HTTP_X_AUTHENTIK_USERNAME=al\x7fice",
	"HTTP_X_AUTHENTIK_USERNAME=al\xc3\xa9ice",
	"HTTP_X_AUTHENTIK_USERNAME=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",	/* 129 */
};

START_TEST(test_auth_check_bad_identity_rejected)
{
	struct config cfg;
	char user[BG_IDENTITY_MAX + 1];
	char *env[] = { (char *)bad_identities[_i], "HTTP_AUTHORIZATION=Bearer " TOKEN, NULL };

	both(&cfg);
	ck_assert_msg(check_env(&cfg, "10.0.0.1", env, user) == AUTH_BAD_IDENTITY,
	    "accepted identity %d", (int)_i);
}
END_TEST

START_TEST(test_auth_check_identity_at_max_length)
{
	struct config cfg;
	char user[BG_IDENTITY_MAX + 1];
	char var[200];
	char *env[] = { var, NULL };

	both(&cfg);
	snprintf(var, sizeof(var), "HTTP_X_AUTHENTIK_USERNAME=%0*d", BG_IDENTITY_MAX, 7);
	ck_assert_int_eq(check_env(&cfg, "10.0.0.1", env, user), AUTH_OK);
	ck_assert_uint_eq(strlen(user), BG_IDENTITY_MAX);
}
END_TEST

START_TEST(test_auth_check_custom_header_name)
{
	struct config cfg;
	char user[BG_IDENTITY_MAX + 1], err[64];
	const char *text = "state_dir = /tmp\ntrusted_proxies = 127.0.0.1\nauth_header = X-Remote-User\n";
	char *env[] = { "HTTP_X_REMOTE_USER=carol", "HTTP_X_AUTHENTIK_USERNAME=alice", NULL };

	config_defaults(&cfg);
	ck_assert_int_eq(config_parse(&cfg, text, strlen(text), err, sizeof(err)), 0);
	ck_assert_int_eq(check_env(&cfg, "127.0.0.1", env, user), AUTH_OK);
	ck_assert_str_eq(user, "carol");
}
END_TEST

START_TEST(test_auth_check_nothing_configured)
{
	struct config cfg;
	char user[BG_IDENTITY_MAX + 1];
	char *env[] = { "HTTP_AUTHORIZATION=Bearer " TOKEN, "HTTP_X_AUTHENTIK_USERNAME=alice", NULL };

	config_defaults(&cfg);
	ck_assert_int_eq(check_env(&cfg, "127.0.0.1", env, user), AUTH_NOT_CONFIGURED);
}
END_TEST

START_TEST(test_auth_check_short_token_file_fails_closed)
{
	struct config cfg;
	char user[BG_IDENTITY_MAX + 1];
	char *env[] = { "HTTP_AUTHORIZATION=Bearer short", NULL };

	both(&cfg);
	write_file(tokfile, "short\n");
	ck_assert_int_eq(check_env(&cfg, "127.0.0.1", env, user), AUTH_CONFIG_ERROR);
}
END_TEST

START_TEST(test_auth_check_missing_token_file_fails_closed)
{
	struct config cfg;
	char user[BG_IDENTITY_MAX + 1];
	char *env[] = { "HTTP_AUTHORIZATION=Bearer " TOKEN, NULL };

	both(&cfg);
	unlink(tokfile);
	ck_assert_int_eq(check_env(&cfg, "127.0.0.1", env, user), AUTH_CONFIG_ERROR);
}
END_TEST

START_TEST(test_auth_origin_ok_cases)
{
	struct config cfg;
	char err[64];
	const char *text = "state_dir = /tmp\nallowed_origin = https://bg.example.org\ntrusted_proxies = 10.0.0.1\n";
	char *none[] = { "HTTP_HOST=h:8080", NULL };
	char *same[] = { "HTTP_HOST=h:8080", "REQUEST_SCHEME=http", "HTTP_ORIGIN=http://h:8080", NULL };
	char *other[] = { "HTTP_HOST=h:8080", "REQUEST_SCHEME=http", "HTTP_ORIGIN=http://evil:8080", NULL };
	char *scheme[] = { "HTTP_HOST=h:8080", "REQUEST_SCHEME=http", "HTTP_ORIGIN=https://h:8080", NULL };
	char *allowed[] = { "HTTP_HOST=h", "HTTP_ORIGIN=https://bg.example.org", NULL };
	char *null[] = { "HTTP_HOST=h", "HTTP_ORIGIN=null", NULL };
	char *twice[] = { "HTTP_HOST=h", "REQUEST_SCHEME=http", "HTTP_ORIGIN=http://h", "HTTP_ORIGIN=http://h", NULL };
	char *fwd[] = { "HTTP_HOST=h", "REQUEST_SCHEME=http", "HTTP_X_FORWARDED_PROTO=https", "HTTP_ORIGIN=https://h", NULL };

	config_defaults(&cfg);
	ck_assert_int_eq(config_parse(&cfg, text, strlen(text), err, sizeof(err)), 0);
	ck_assert_int_eq(auth_origin_ok(&cfg, none, "127.0.0.1"), 0);
	ck_assert_int_eq(auth_origin_ok(&cfg, same, "127.0.0.1"), 0);
	ck_assert_int_eq(auth_origin_ok(&cfg, other, "127.0.0.1"), -1);
	ck_assert_int_eq(auth_origin_ok(&cfg, scheme, "127.0.0.1"), -1);
	ck_assert_int_eq(auth_origin_ok(&cfg, allowed, "127.0.0.1"), 0);
	ck_assert_int_eq(auth_origin_ok(&cfg, null, "127.0.0.1"), -1);
	ck_assert_int_eq(auth_origin_ok(&cfg, twice, "127.0.0.1"), -1);
	/* X-Forwarded-Proto counts only from a trusted proxy. */
	ck_assert_int_eq(auth_origin_ok(&cfg, fwd, "127.0.0.1"), -1);
	ck_assert_int_eq(auth_origin_ok(&cfg, fwd, "10.0.0.1"), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("auth");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_auth_check_no_credentials);
	tcase_add_test(tc, test_auth_check_right_token);
	tcase_add_loop_test(tc, test_auth_check_bad_token_rejected, 0,
	    sizeof(bad_authorizations) / sizeof(bad_authorizations[0]));
	tcase_add_loop_test(tc, test_auth_check_bearer_spacing_and_case, 0,
	    sizeof(good_authorizations) / sizeof(good_authorizations[0]));
	tcase_add_test(tc, test_auth_check_token_twice_rejected);
	tcase_add_test(tc, test_auth_check_identity_from_untrusted_ignored);
	tcase_add_test(tc, test_auth_check_identity_from_trusted);
	tcase_add_test(tc, test_auth_check_identity_ipv6_proxy);
	tcase_add_test(tc, test_auth_check_identity_twice_rejected);
	tcase_add_loop_test(tc, test_auth_check_bad_identity_rejected, 0,
	    sizeof(bad_identities) / sizeof(bad_identities[0]));
	tcase_add_test(tc, test_auth_check_identity_at_max_length);
	tcase_add_test(tc, test_auth_check_custom_header_name);
	tcase_add_test(tc, test_auth_check_nothing_configured);
	tcase_add_test(tc, test_auth_check_short_token_file_fails_closed);
	tcase_add_test(tc, test_auth_check_missing_token_file_fails_closed);
	tcase_add_test(tc, test_auth_origin_ok_cases);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
