/* fuzz_verb.c: libFuzzer target for the power-verb whitelist (verb_lookup, verb_lookup_len): only an exact name passes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verb.h"

/* Return the verb whose name is exactly data[0..size), by a plain scan. */
static const struct verb *
reference(const uint8_t *data, size_t size)
{
	size_t i;

	for (i = 0; i < verb_count(); i++) {
		const struct verb *v = verb_at(i);

		if (strlen(v->name) == size && memcmp(v->name, data, size) == 0)
			return v;
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct verb *want = reference(data, size), *got;
	char *copy;

	got = verb_lookup_len((const char *)data, size);
	if (got != want) {
		fprintf(stderr, "fuzz_verb: verb_lookup_len disagrees with an exact match\n");
		abort();
	}

	/* As a C string the bytes end at the first NUL: only what precedes it
	 * may match, and only when it is all of it. */
	copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	got = verb_lookup(copy);
	if (got != reference(data, strlen(copy))) {
		fprintf(stderr, "fuzz_verb: verb_lookup disagrees with an exact match\n");
		abort();
	}
	if (got != NULL && (got->mutating != (got->goal != NULL)))
		abort();
	free(copy);
	return 0;
}
