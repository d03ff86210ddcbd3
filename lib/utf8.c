/* utf8.c: UTF-8 checks and repair (RFC 3629) for bytes from the network, the CLI and SSH. */
#include <stdint.h>
#include <string.h>

#include "utf8.h"

size_t
utf8_sequence(const unsigned char *p, size_t n, size_t *bad)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		need, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 4;
	else {
		*bad = 1;
		return 0;
	}
	if (p[0] == 0xe0)
		lo = 0xa0;	/* overlong */
	else if (p[0] == 0xed)
		hi = 0x9f;	/* surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90;	/* overlong */
	else if (p[0] == 0xf4)
		hi = 0x8f;	/* above U+10FFFF */

	for (i = 1; i < need; i++) {
		if (i >= n || p[i] < lo || p[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need;
}

size_t
utf8_valid_prefix(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n, bad;
	uint64_t		 word;

	while (i < len) {
		/* Skip ASCII eight bytes at a time: most of a line is ASCII. */
		if (len - i >= sizeof(word)) {
			memcpy(&word, p + i, sizeof(word));
			if ((word & UINT64_C(0x8080808080808080)) == 0) {
				i += sizeof(word);
				continue;
			}
		}
		n = utf8_sequence(p + i, len - i, &bad);
		if (n == 0)
			return i;
		i += n;
	}
	return len;
}

size_t
utf8_repair(char *dst, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, o, n, bad;

	i = utf8_valid_prefix(s, len);
	memcpy(dst, s, i);
	o = i;
	while (i < len) {
		n = utf8_sequence(p + i, len - i, &bad);
		if (n > 0) {
			memcpy(dst + o, s + i, n);
			o += n;
			i += n;
			continue;
		}
		memcpy(dst + o, UTF8_REPLACEMENT, UTF8_REPLACEMENT_LEN);
		o += UTF8_REPLACEMENT_LEN;
		i += bad;
	}
	return o;
}
