/* chat.h: the reading side of a chat: replaying a session's event log as SSE and following a running turn. */
#ifndef BG_CHAT_H
#define BG_CHAT_H

#include <stdint.h>

#include <json-c/json.h>

/*
 * Write the session's events with id > after to fd as server-sent events,
 * reading the log from byte `offset` (0: from the start), then follow it
 * while a turn runs, with a keepalive comment every BG_SSE_KEEPALIVE_S.
 * With own_turn set (a POST following the turn it started), the stream ends
 * at the first `done`. Otherwise it ends once no turn runs and every event
 * is written. Return 0, or -1 when the client is gone or the log is
 * unreadable.
 */
int chat_follow(int fd, const char *state_dir, const char *session,
    int64_t after, uint64_t offset, int own_turn);

/* Return the byte size of the session's event log (0 when it has none), the
 * offset where the next turn's events start. */
uint64_t chat_log_size(const char *state_dir, const char *session);

#endif
