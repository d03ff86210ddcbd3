/* fuzz_gate_command.c: libFuzzer target for host/pve-gate's handling of SSH_ORIGINAL_COMMAND and SSH_CONNECTION. */
/*
 * The gate's main() rejects or runs a verb and then exits. So this target
 * includes the gate's source with main renamed, and runs the steps main()
 * takes on the client's bytes before anything is executed. It reads the
 * client address from SSH_CONNECTION, looks the command up in the verb
 * table, and escapes a rejected command for the log. An input is
 * "<SSH_CONNECTION>\n<SSH_ORIGINAL_COMMAND>"; the command may hold any byte
 * but NUL, which no environment can carry.
 */
int pve_gate_main(int, char **);
#define main pve_gate_main
#include "../host/pve-gate.c"
#undef main

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char shown[LOG_COMMAND_MAX * 4 + 1];
	const char *nl = memchr(data, '\n', size);
	const struct verb *v;
	struct gate g;
	char *conn, *cmd;
	size_t clen, len, i;

	clen = nl != NULL ? (size_t)(nl - (const char *)data) : 0;
	conn = strndup((const char *)data, clen);
	cmd = strndup((const char *)data + (nl != NULL ? clen + 1 : 0),
	    size - (nl != NULL ? clen + 1 : 0));
	if (conn == NULL || cmd == NULL)
		goto done;

	/* The client address for the log: only [0-9a-fA-F.: ], joined by ':'. */
	memset(&g, 0, sizeof(g));
	if (setenv("SSH_CONNECTION", conn, 1) == 0) {
		read_client(&g);
		if (memchr(g.client, '\0', sizeof(g.client)) == NULL ||
		    strspn(g.client, "0123456789abcdefABCDEF.:-") != strlen(g.client)) {
			fprintf(stderr, "fuzz_gate_command: client \"%.64s\"\n", g.client);
			abort();
		}
	}

	/* The command: exactly a verb, or refused. */
	v = verb_lookup(cmd);
	if (v != NULL && strcmp(v->name, cmd) != 0) {
		fprintf(stderr, "fuzz_gate_command: \"%.64s\" passed as %s\n", cmd, v->name);
		abort();
	}
	if (v == NULL) {
		len = strnlen(cmd, LOG_COMMAND_MAX);
		escape_for_log(cmd, len, shown, sizeof(shown));
		if (memchr(shown, '\0', sizeof(shown)) == NULL)
			abort();
		/* The log line holds only printable ASCII, and no quote or
		 * backslash that is not an escape of ours. */
		for (i = 0; shown[i] != '\0'; i++) {
			unsigned char c = (unsigned char)shown[i];

			if (c < 0x20 || c > 0x7e || c == '"')
				abort();
			if (c == '\\' && shown[i + 1] != 'x')
				abort();
		}
	}
done:
	free(conn);
	free(cmd);
	return 0;
}
