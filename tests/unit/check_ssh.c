/* check_ssh.c: the SSH client's checks that need no server: base64, known_hosts and error codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "ssh.h"
#include "util.h"

/* An ed25519 public key blob in base64, as known_hosts stores it. */
#define ED25519_B64 "AAAAC3NzaC1lZDI1NTE5AAAAIGubJhJRQRwguULXM3oFfeIsffMiK7HllgxrU89DaAEk"

static char dir[] = "/tmp/check_ssh.XXXXXX";
static char path[256];

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/known_hosts", dir), (int)sizeof(path));
}

static void
teardown(void)
{
	unlink(path);
	rmdir(dir);
	memcpy(dir + sizeof(dir) - 7, "XXXXXX", 6);
}

static void
write_known_hosts(const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* Run ssh_exec against 127.0.0.1:port with a short deadline. */
static int
exec_local(int port, struct ssh_output *o)
{
	struct ssh_target t = { "127.0.0.1", port, "root", path, "", NULL, "/nonexistent" };
	int64_t now = util_now_ms();

	return ssh_exec(&t, "status", now + 2000, now + 2000, NULL, o);
}

static const struct {
	const char	*in;
	long		len;	/* -1: invalid */
} b64[] = {
	{ "", 0 },
	{ "eA==", 1 },
	{ "eHk=", 2 },
	{ "eHl6", 3 },
	{ ED25519_B64, 51 },
	{ "eA=", -1 },
	{ "e===", -1 },
	{ "eA=A", -1 },
	{ "e A=", -1 },
	{ "eA\n=", -1 },
	{ "e-A=", -1 },
	{ "=eA=", -1 },
};

START_TEST(test_ssh_base64_decode_table)
{
	unsigned char out[64];

	ck_assert_int_eq(ssh_base64_decode(b64[_i].in, strlen(b64[_i].in), out, sizeof(out)),
	    b64[_i].len);
}
END_TEST

START_TEST(test_ssh_base64_decode_too_long)
{
	unsigned char out[2];

	ck_assert_int_eq(ssh_base64_decode("eHl6", 4, out, sizeof(out)), -1);
}
END_TEST

START_TEST(test_ssh_exec_known_hosts_missing)
{
	struct ssh_output o;

	ck_assert_int_eq(exec_local(1, &o), SSH_ERR_CONFIG);
	ck_assert_int_eq(o.sent, 0);
	ssh_output_free(&o);
}
END_TEST

START_TEST(test_ssh_exec_host_unknown_before_connect)
{
	struct ssh_output o;

	/* Only another port and another host are known: nothing is pinned,
	 * so the client refuses without connecting. */
	write_known_hosts("[127.0.0.1]:2222 ssh-ed25519 " ED25519_B64 "\n"
	    "example.test ssh-ed25519 " ED25519_B64 "\n");
	ck_assert_int_eq(exec_local(1, &o), SSH_ERR_HOST_KEY_UNKNOWN);
	ck_assert_int_eq(o.sent, 0);
	ssh_output_free(&o);
}
END_TEST

START_TEST(test_ssh_exec_revoked_refused)
{
	struct ssh_output o;

	write_known_hosts("@revoked * ssh-ed25519 " ED25519_B64 "\n"
	    "[127.0.0.1]:1 ssh-ed25519 " ED25519_B64 "\n");
	ck_assert_int_eq(exec_local(1, &o), SSH_ERR_CONFIG);
	ssh_output_free(&o);
}
END_TEST

START_TEST(test_ssh_exec_unparsable_lines_skipped)
{
	struct ssh_output o;

	/* A key type libssh2 1.10 lacks, a comment and a CA line, then the
	 * host's key: the client gets as far as connecting (refused). */
	write_known_hosts("# comment\n"
	    "[127.0.0.1]:1 sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t\n"
	    "@cert-authority * ssh-ed25519 " ED25519_B64 "\n"
	    "[127.0.0.1]:1 ssh-ed25519 " ED25519_B64 "\n");
	ck_assert_int_eq(exec_local(1, &o), SSH_ERR_CONNECT);
	ck_assert_int_eq(o.sent, 0);
	ssh_output_free(&o);
}
END_TEST

START_TEST(test_ssh_error_code_names)
{
	ck_assert_str_eq(ssh_error_code(SSH_ERR_CONNECT), "ssh_connect");
	ck_assert_str_eq(ssh_error_code(SSH_ERR_CONNECT_TIMEOUT), "connect_timeout");
	ck_assert_str_eq(ssh_error_code(SSH_ERR_HOST_KEY_UNKNOWN), "host_key_unknown");
	ck_assert_str_eq(ssh_error_code(SSH_ERR_HOST_KEY_MISMATCH), "host_key_mismatch");
	ck_assert_str_eq(ssh_error_code(SSH_ERR_AUTH), "ssh_auth");
	ck_assert_str_eq(ssh_error_code(SSH_ERR_TIMEOUT), "verb_timeout");
	ck_assert_str_eq(ssh_error_code(SSH_ERR_CONFIG), "config_error");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ssh");
	TCase *tc = tcase_create("ssh");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_ssh_base64_decode_table, 0, (int)(sizeof(b64) / sizeof(b64[0])));
	tcase_add_test(tc, test_ssh_base64_decode_too_long);
	tcase_add_test(tc, test_ssh_exec_known_hosts_missing);
	tcase_add_test(tc, test_ssh_exec_host_unknown_before_connect);
	tcase_add_test(tc, test_ssh_exec_revoked_refused);
	tcase_add_test(tc, test_ssh_exec_unparsable_lines_skipped);
	tcase_add_test(tc, test_ssh_error_code_names);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
