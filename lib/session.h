/* session.h: the session store, one folder per session under state_dir/sessions/. */
#ifndef BG_SESSION_H
#define BG_SESSION_H

#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#include "bounds.h"

/*
 * Layout of state_dir/sessions/<id>/:
 *   meta.json     the metadata below, replaced atomically
 *   events.jsonl  the chat event log, one JSON object per line
 *   turn.lock     flock(2)ed for as long as a turn runs
 */
#define SESSION_META	"meta.json"
#define SESSION_EVENTS	"events.jsonl"
#define SESSION_LOCK	"turn.lock"

struct session_meta {
	char	id[BG_UUID_LEN + 1];
	char	title[BG_TITLE_MAX + 1];	/* "" until the first message */
	time_t	created;
	time_t	updated;
	int	turns;
	char	cli_session[BG_UUID_LEN + 1];	/* the CLI's id for --resume; "" before */
};

/* Write the folder of a session into out; -1 when id is invalid or it does
 * not fit. */
int session_dir(const char *state_dir, const char *id, char *out, size_t outsz);

/* Mint a new session with a fresh id; return 0 and fill meta, or -1. */
int session_create(const char *state_dir, struct session_meta *meta);

/* Read a session's metadata. Return 0, -1 on error, or 1 when the session
 * does not exist. The id must already be valid. */
int session_read(const char *state_dir, const char *id, struct session_meta *meta);

/* Replace a session's metadata atomically. */
int session_write(const char *state_dir, const struct session_meta *meta);

/* Return 1 when a turn holds the session's lock, 0 when not, -1 on error. */
int session_running(const char *state_dir, const char *id);

/* Set the title from a first message: the first line, trimmed, cut on a
 * UTF-8 boundary to BG_TITLE_MAX bytes. */
void session_set_title(struct session_meta *meta, const char *message);

/* Build {"id","title","created","updated","turns","running"}. */
struct json_object *session_to_json(const struct session_meta *meta, int running);

/* Build the array of every session's JSON, newest `updated` first. */
struct json_object *session_list(const char *state_dir);

#endif
