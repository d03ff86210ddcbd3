/* utf8.h: UTF-8 checks and repair (RFC 3629) for bytes from the network, the CLI and SSH. */
#ifndef BG_UTF8_H
#define BG_UTF8_H

#include <stddef.h>

/* U+FFFD, which replaces each invalid subpart. */
#define UTF8_REPLACEMENT	"\xef\xbf\xbd"
#define UTF8_REPLACEMENT_LEN	3

/*
 * Return the length (1 to 4) of the well-formed UTF-8 sequence at p (n > 0
 * bytes available), or 0 with *bad set to the length of its maximal invalid
 * subpart, which becomes one U+FFFD (the Unicode standard's recommended
 * practice, also Python's). Overlong forms, surrogates and code points above
 * U+10FFFF are invalid.
 */
size_t utf8_sequence(const unsigned char *p, size_t n, size_t *bad);

/* Return the offset of the first byte that is not part of valid UTF-8, or len. */
size_t utf8_valid_prefix(const char *s, size_t len);

/* Copy s to dst with every invalid subpart replaced by U+FFFD and return the
 * bytes written; dst must have room for len * UTF8_REPLACEMENT_LEN bytes. */
size_t utf8_repair(char *dst, const char *s, size_t len);

#endif
