/* fuzz_utf8.c: libFuzzer target for the shared UTF-8 checks and repair (lib/utf8.h) against a plain decoder. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Return the length of the well-formed sequence at s (n bytes left), or 0:
 * RFC 3629 read as code points, so overlong forms, surrogates and values
 * above U+10FFFF fail. */
static size_t
reference(const unsigned char *s, size_t n)
{
	size_t len, k;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Return the length of the longest valid prefix, by the reference. */
static size_t
valid_prefix(const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len && (n = reference(s + i, len - i)) > 0)
		i += n;
	return i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i, n, bad, want, outlen;
	char *out;

	/* Sequence by sequence, the same verdicts and lengths. */
	for (i = 0; i < size; i += n > 0 ? n : bad) {
		bad = 0;
		n = utf8_sequence(data + i, size - i, &bad);
		want = reference(data + i, size - i);
		if (n != want || (n == 0 && (bad < 1 || bad > size - i))) {
			fprintf(stderr, "fuzz_utf8: at byte %zu: %zu, reference %zu, bad %zu\n", i, n, want, bad);
			abort();
		}
	}

	if (utf8_valid_prefix((const char *)data, size) != valid_prefix(data, size))
		abort();

	/* Repair gives valid UTF-8 within its bound, and leaves valid input alone. */
	out = malloc(size * UTF8_REPLACEMENT_LEN + 1);
	if (out == NULL)
		return 0;
	outlen = utf8_repair(out, (const char *)data, size);
	if (outlen > size * UTF8_REPLACEMENT_LEN ||
	    valid_prefix((const unsigned char *)out, outlen) != outlen) {
		fprintf(stderr, "fuzz_utf8: repair gave invalid UTF-8\n");
		abort();
	}
	if (valid_prefix(data, size) == size && (outlen != size || memcmp(out, data, size) != 0))
		abort();
	free(out);
	return 0;
}
