/* verb.h: the power verbs, one exact whitelist shared by cgi-bin/pve and host/pve-gate. */
#ifndef BG_VERB_H
#define BG_VERB_H

#include <stddef.h>

#include "bounds.h"

enum verb_id {
	VERB_STATUS,
	VERB_FORENSICS,
	VERB_START,
	VERB_STOP,
	VERB_RESET,
	VERB_CYCLE
};

struct verb {
	const char	*name;		/* lowercase ASCII, at most BG_VERB_MAX bytes */
	enum verb_id	id;
	int		mutating;	/* 1: changes the VM, needs confirm and a lock */
	const char	*description;	/* one sentence for the UI */
	const char	*goal;		/* state the VM must reach, or NULL */
};

/* Return the verb whose name equals the whole string s, or NULL. Anything
 * else (NULL, other case, spaces, arguments, longer than BG_VERB_MAX) is
 * NULL. */
const struct verb *verb_lookup(const char *s);

/* Same as verb_lookup for a counted string, which must not contain NUL:
 * "status\0x" with len 8 is NULL. */
const struct verb *verb_lookup_len(const char *s, size_t len);

/* Number of verbs, and the verb at index i (NULL past the end), in the
 * order the UI lists them. */
size_t verb_count(void);
const struct verb *verb_at(size_t i);

#endif
