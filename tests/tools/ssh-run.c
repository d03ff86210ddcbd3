/* ssh-run.c: runs one command through lib/ssh.c, for the SSH tests and the benchmark. */
/*
 * usage: ssh-run HOST PORT USER KNOWN_HOSTS KEY_FILE COMMAND [TIMEOUT_MS]
 * Prints stdout to stdout and stderr to stderr, then on stderr one line
 * "ssh-run: <code> exit=<n> detail=<...>"; exits 0 when ssh_exec succeeded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ssh.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct ssh_target t = { 0 };
	struct ssh_output o;
	const char *errstr = NULL;
	long long timeout_ms = 5000;
	int64_t now;
	int err;

	if (argc < 7 || argc > 8) {
		fprintf(stderr, "usage: ssh-run HOST PORT USER KNOWN_HOSTS KEY_FILE COMMAND [TIMEOUT_MS]\n");
		return 2;
	}
	t.host = argv[1];
	t.port = (int)util_strtonum(argv[2], 1, 65535, &errstr);
	if (errstr != NULL) {
		fprintf(stderr, "ssh-run: PORT is %s\n", errstr);
		return 2;
	}
	t.user = argv[3];
	t.known_hosts = argv[4];
	t.key_file = argv[5];
	if (argc == 8) {
		timeout_ms = util_strtonum(argv[7], 1, 3600000, &errstr);
		if (errstr != NULL) {
			fprintf(stderr, "ssh-run: TIMEOUT_MS is %s\n", errstr);
			return 2;
		}
	}

	now = util_now_ms();
	err = ssh_exec(&t, argv[6], now + timeout_ms, now + timeout_ms, NULL, &o);
	if (o.out != NULL)
		(void)util_write_all(STDOUT_FILENO, o.out, o.out_len);
	if (o.err != NULL)
		(void)util_write_all(STDERR_FILENO, o.err, o.err_len);
	fprintf(stderr, "ssh-run: %s exit=%d detail=%s\n", ssh_error_code(err), o.exit_status, o.detail);
	ssh_output_free(&o);
	return err == SSH_OK ? 0 : 1;
}
