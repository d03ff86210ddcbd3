/* fuzz_ids.c: libFuzzer target for the session id validator (ids_valid) against a plain reading of the rule. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"

/* Lowercase canonical 8-4-4-4-12 hex, exactly BG_UUID_LEN bytes. */
static int
reference(const char *s)
{
	size_t i;

	if (strlen(s) != BG_UUID_LEN)
		return 0;
	for (i = 0; i < BG_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (strchr("0123456789abcdef", s[i]) == NULL) {
			return 0;
		}
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), minted[BG_UUID_LEN + 1];

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ids_valid(s) != reference(s)) {
		fprintf(stderr, "fuzz_ids: ids_valid(\"%.64s\") is %d\n", s, ids_valid(s));
		abort();
	}
	free(s);

	/* What we mint must pass our own check. */
	if (size == 1 && (ids_uuid4(minted) != 0 || !ids_valid(minted)))
		abort();
	return 0;
}
