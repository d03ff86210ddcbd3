/* audit.h: the append-only audit log, state_dir/audit.jsonl. */
#ifndef BG_AUDIT_H
#define BG_AUDIT_H

#include <stddef.h>

#include <json-c/json.h>

#include "bounds.h"

#define AUDIT_FILE	"audit.jsonl"

/* One record; NULL strings and negative numbers are written as null. */
struct audit_record {
	const char	*user;
	const char	*remote;
	const char	*action;	/* "pve.run", "pve.refused", "chat.start", ... */
	const char	*verb;		/* set for power actions */
	const char	*session;	/* set for chat actions */
	int		ok;
	int		exit_status;	/* -1: none */
	const char	*state;
	long long	duration_ms;	/* -1: none */
	char		id[BG_UUID_LEN + 1];	/* filled by audit_append */
};

/*
 * Append one record as a single write(2) to an O_APPEND file, fsynced.
 * Return 0, or -1 when it could not be written in full (the caller must then
 * not act).
 */
int audit_append(const char *state_dir, struct audit_record *rec);

/* Return a JSON array of the newest `limit` records, newest first, or NULL
 * on error. A missing log is an empty array. */
struct json_object *audit_read_newest(const char *state_dir, int limit);

#endif
