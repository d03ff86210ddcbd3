/* fuzz_ssh_base64.c: libFuzzer target for the base64 decoder that reads known_hosts keys (ssh_base64_decode). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh.h"

#define OUT_MAX	4096	/* bytes of decoded output room */

static int
value(uint8_t c)
{
	const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c != '\0' ? strchr(alphabet, c) : NULL;

	return p != NULL ? (int)(p - alphabet) : -1;
}

/* Decode canonical padded base64 the plain way; -1 when it is not that. */
static long
reference(const uint8_t *in, size_t len, uint8_t *out, size_t outsz)
{
	size_t i, o = 0;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i += 4) {
		int a = value(in[i]), b = value(in[i + 1]), c, d;
		int last = i + 4 == len;

		c = in[i + 2] == '=' && last ? -2 : value(in[i + 2]);
		d = in[i + 3] == '=' && last ? -2 : value(in[i + 3]);
		if (a < 0 || b < 0 || c == -1 || d == -1 || (c == -2 && d != -2))
			return -1;
		size_t add = 3;

		if (c == -2)
			add = 1;
		else if (d == -2)
			add = 2;
		if (o + add > outsz)
			return -1;
		out[o++] = (uint8_t)(a << 2 | b >> 4);
		if (c != -2)
			out[o++] = (uint8_t)((b & 0x0f) << 4 | c >> 2);
		if (d != -2)
			out[o++] = (uint8_t)((c & 0x03) << 6 | d);
	}
	return (long)o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t got[OUT_MAX], want[OUT_MAX];
	size_t room = size > 0 ? data[0] % 64 + 1 : OUT_MAX;	/* small buffers too */
	long n, m;

	n = ssh_base64_decode((const char *)data, size, got, OUT_MAX);
	if (n < -1 || n > OUT_MAX)
		abort();
	m = reference(data, size, want, OUT_MAX);
	if (n >= 0 && m >= 0 && (n != m || memcmp(got, want, (size_t)n) != 0)) {
		fprintf(stderr, "fuzz_ssh_base64: decodes differently from the reference\n");
		abort();
	}
	n = ssh_base64_decode((const char *)data, size, got, room);
	if (n > (long)room)
		abort();
	return 0;
}
