/* verb.c: the power verbs' table and its exact-match lookup; links no third-party library. */
#include <string.h>

#include "verb.h"

static const struct verb verbs[] = {
	{ "status", VERB_STATUS, 0,
	  "Show whether the VM is running, with its uptime, QEMU process id and any lock.",
	  NULL },
	{ "forensics", VERB_FORENSICS, 0,
	  "Collect read-only diagnostics: status, configuration, pending changes, "
	  "recent tasks, QEMU monitor status, guest agent ping and recent journal lines.",
	  NULL },
	{ "start", VERB_START, 1,
	  "Start the VM.",
	  "running" },
	{ "stop", VERB_STOP, 1,
	  "Stop the VM at once without a guest shutdown, like pulling the power cord.",
	  "stopped" },
	{ "reset", VERB_RESET, 1,
	  "Reset the VM at once, like its reset button; the same QEMU process keeps running.",
	  "running" },
	{ "cycle", VERB_CYCLE, 1,
	  "Stop the VM, wait until it is stopped, then start it in a fresh QEMU process.",
	  "running" },
};

#define NVERBS	(sizeof(verbs) / sizeof(verbs[0]))

const struct verb *
verb_lookup_len(const char *s, size_t len)
{
	size_t i;

	if (s == NULL || len == 0 || len > BG_VERB_MAX)
		return NULL;

	/* A NUL inside the counted bytes would let "status\0x" pass as "status". */
	if (memchr(s, '\0', len) != NULL)
		return NULL;

	for (i = 0; i < NVERBS; i++) {
		if (strlen(verbs[i].name) == len &&
		    memcmp(verbs[i].name, s, len) == 0)
			return &verbs[i];
	}
	return NULL;
}

const struct verb *
verb_lookup(const char *s)
{
	size_t len;

	if (s == NULL)
		return NULL;

	/* Bound the scan: a name longer than BG_VERB_MAX is no verb. */
	len = strnlen(s, BG_VERB_MAX + 1);
	if (len > BG_VERB_MAX)
		return NULL;
	return verb_lookup_len(s, len);
}

size_t
verb_count(void)
{
	return NVERBS;
}

const struct verb *
verb_at(size_t i)
{
	if (i >= NVERBS)
		return NULL;
	return &verbs[i];
}
