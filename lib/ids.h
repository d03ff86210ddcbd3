/* ids.h: UUID v4 minting from the kernel's random source, and the strict validator. */
#ifndef BG_IDS_H
#define BG_IDS_H

#include "bounds.h"

/* Write a new random UUID v4, lowercase canonical, into out[BG_UUID_LEN + 1].
 * Return 0, or -1 when getrandom(2) fails. */
int ids_uuid4(char out[BG_UUID_LEN + 1]);

/* Return 1 when s is exactly a lowercase canonical UUID (8-4-4-4-12 hex). */
int ids_valid(const char *s);

#endif
