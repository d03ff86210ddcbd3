/* eventlog.h: a session's chat events, appended to state_dir/sessions/<id>/events.jsonl. */
#ifndef BG_EVENTLOG_H
#define BG_EVENTLOG_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/*
 * Each line is {"id":n,"event":name,"data":{...}}. Sequence numbers start
 * at 1 and strictly increase across turns and restarts: the next one is
 * the last line's id + 1, found by reading the file's tail.
 */
struct eventlog;

/* Open a session's log for appending (a turn's writer), creating the file
 * in the session's existing folder; NULL on error. */
struct eventlog *eventlog_open(const char *state_dir, const char *session_id);

/* Append one event as one write(2) under an exclusive flock(2), so
 * concurrent writers never share an id; return its id, or -1. The name must
 * be 1 to BG_EVENT_NAME_MAX bytes of [a-z_]; the line may be at most
 * BG_EVENT_LINE_MAX bytes. */
int64_t eventlog_append(struct eventlog *log, const char *event, struct json_object *data);

void eventlog_close(struct eventlog *log);

/*
 * Read the events with id > after, in order, calling fn for each with the
 * parsed id, name and data; stops when fn returns nonzero. *offset is the
 * byte offset to resume from on the next call (start with 0), so a reader
 * following a running turn reads each line once; it never passes a
 * partial (unterminated) last line. Invalid lines are skipped. Return the
 * number of events passed to fn (0 when the log does not exist yet) or -1.
 */
typedef int (*eventlog_fn)(void *arg, int64_t id, const char *event, struct json_object *data);
int eventlog_read(const char *state_dir, const char *session_id, int64_t after,
    uint64_t *offset, eventlog_fn fn, void *arg);

#endif
