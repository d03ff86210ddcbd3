/* fuzz_cgi_query.c: libFuzzer target for QUERY_STRING parameters and header-name mapping (cgi_query_param, cgi_header_var). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "cgi.h"

/* The parameters the routes read. */
static const char *const names[] = { "session", "after", "limit" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *query, out[BG_PARAM_MAX], var[BG_ENV_NAME_MAX + 8];
	size_t i;

	query = malloc(size + 1);
	if (query == NULL)
		return 0;
	memcpy(query, data, size);
	query[size] = '\0';

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int rc;

		memset(out, 'X', sizeof(out));
		rc = cgi_query_param(query, names[i], out, sizeof(out));
		if (rc < -1 || rc > 1)
			abort();
		/* A found value is terminated inside out. A %00 is rejected,
		 * so its first NUL is its end. */
		if (rc == 1 && memchr(out, '\0', sizeof(out)) == NULL) {
			fprintf(stderr, "fuzz_cgi_query: %s: value not terminated\n", names[i]);
			abort();
		}
		/* A tiny buffer must fail cleanly, not overflow. */
		rc = cgi_query_param(query, names[i], out, 2);
		if (rc == 1 && strlen(out) > 1)
			abort();
	}

	/* The same bytes as a header name; a mapped name is HTTP_ and [A-Z0-9_]. */
	if (cgi_header_var(query, var, sizeof(var)) == 0) {
		if (strncmp(var, "HTTP_", 5) != 0 || strspn(var, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(var)) {
			fprintf(stderr, "fuzz_cgi_query: header var %s\n", var);
			abort();
		}
	}
	free(query);
	return 0;
}
