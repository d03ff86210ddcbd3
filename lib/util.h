/* util.h: bounded string copies, checked number parsing and time stamps. */
#ifndef BG_UTIL_H
#define BG_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Parse a decimal integer in [min, max]; on failure return 0 and set *errstr
 * to "invalid", "too small" or "too large" (OpenBSD strtonum's contract). */
long long util_strtonum(const char *s, long long min, long long max,
    const char **errstr);

/* Copy src into dst of size dstsz, always terminated; return strlen(src),
 * so a result >= dstsz means the copy was truncated. */
size_t util_strlcpy(char *dst, const char *src, size_t dstsz);

/* Compare two byte strings in time that depends only on their lengths;
 * return 1 when equal. */
int util_consttime_equal(const void *a, size_t alen, const void *b, size_t blen);

/* Write t as RFC 3339 UTC ("2026-12-04T20:16:36Z"); return 0 or -1. */
int util_time_rfc3339(time_t t, char *out, size_t outsz);

/* Milliseconds on the monotonic clock. */
int64_t util_now_ms(void);

/* Read a whole regular file of at most max bytes into a new NUL-terminated
 * buffer; return it (free with free()) or NULL with errno set (EFBIG when
 * the file is larger than max). */
char *util_read_file(const char *path, size_t max, size_t *lenp);

/* Write len bytes to path atomically: a temporary file in the same folder,
 * fsync, rename, fsync of the folder. Return 0 or -1 with errno set. */
int util_write_atomic(const char *path, const void *buf, size_t len);

/* Write all of buf, retrying on EINTR and short writes; return 0 or -1. */
int util_write_all(int fd, const void *buf, size_t len);

#endif
