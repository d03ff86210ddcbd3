/* chat.c: replays a session's event log as server-sent events and follows a running turn through inotify. */
#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bounds.h"
#include "chat.h"
#include "eventlog.h"
#include "session.h"
#include "sse.h"
#include "util.h"

#define INOTIFY_BUF	4096	/* bytes of inotify events read at once */

struct follower {
	int	fd;
	int64_t	last_id;
	int	last_done;	/* the last event written was `done` */
	int	write_failed;
	int64_t	last_write_ms;
};

static int
follow_event(void *arg, int64_t id, const char *event, struct json_object *data)
{
	struct follower *f = arg;

	if (sse_event(f->fd, id, event, data) == -1) {
		f->write_failed = 1;
		return 1;
	}
	f->last_id = id;
	f->last_done = strcmp(event, "done") == 0;
	f->last_write_ms = util_now_ms();
	return 0;
}

/* Write the log's events after f->last_id; -1 on a read error or a gone client. */
static int
read_new(struct follower *f, const char *state_dir, const char *session, uint64_t *offset)
{
	int n = eventlog_read(state_dir, session, f->last_id, offset, follow_event, f);

	if (f->write_failed)
		return -1;
	if (n < 0) {
		fprintf(stderr, "breakglass: chat_follow: session %s: event log unreadable\n", session);
		return -1;
	}
	return n;
}

/* Watch the session's folder: each append to events.jsonl wakes the
 * follower at once, without polling the file. */
static int
watch_session(const char *state_dir, const char *session)
{
	char dir[PATH_MAX];
	int ifd;

	if (session_dir(state_dir, session, dir, sizeof(dir)) == -1)
		return -1;
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd == -1)
		return -1;
	if (inotify_add_watch(ifd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) == -1) {
		close(ifd);
		return -1;
	}
	return ifd;
}

int
chat_follow(int fd, const char *state_dir, const char *session,
    int64_t after, uint64_t offset, int own_turn)
{
	struct follower f = { fd, after, 0, 0, util_now_ms() };
	char buf[INOTIFY_BUF];
	int ifd, rc = -1;

	/* The watch comes first, so an append between a read and the wait
	 * still wakes the wait. Without inotify the wait is a plain timeout. */
	ifd = watch_session(state_dir, session);
	if (ifd == -1)
		fprintf(stderr, "breakglass: chat_follow: inotify unavailable, polling every %d ms\n", BG_FOLLOW_RECHECK_MS);

	for (;;) {
		struct pollfd pfd;
		int64_t now, keepalive_at;
		int n, running, timeout;

		n = read_new(&f, state_dir, session, &offset);
		if (n < 0)
			goto done;
		if (own_turn && f.last_done) {
			rc = 0;
			goto done;
		}
		if (n == 0) {
			/* A turn holds its lock until after its `done`; once the
			 * lock is free, one more read gets whatever it wrote last. */
			running = session_running(state_dir, session);
			if (running == -1)
				goto done;
			if (running == 0) {
				rc = read_new(&f, state_dir, session, &offset) < 0 ? -1 : 0;
				goto done;
			}
		}

		now = util_now_ms();
		keepalive_at = f.last_write_ms + (int64_t)BG_SSE_KEEPALIVE_S * 1000;
		if (now >= keepalive_at) {
			if (sse_keepalive(fd) == -1)
				goto done;
			f.last_write_ms = now;
			keepalive_at = now + (int64_t)BG_SSE_KEEPALIVE_S * 1000;
		}
		timeout = BG_FOLLOW_RECHECK_MS;
		if (keepalive_at - now < timeout)
			timeout = (int)(keepalive_at - now);
		if (ifd == -1) {
			poll(NULL, 0, timeout);
			continue;
		}
		pfd = (struct pollfd){ ifd, POLLIN, 0 };
		if (poll(&pfd, 1, timeout) == -1 && errno != EINTR)
			goto done;
		while (read(ifd, buf, sizeof(buf)) > 0)
			;
	}
done:
	if (ifd != -1)
		close(ifd);
	return rc;
}

uint64_t
chat_log_size(const char *state_dir, const char *session)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct stat st;

	if (session_dir(state_dir, session, dir, sizeof(dir)) == -1 ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, SESSION_EVENTS) >= sizeof(path) ||
	    stat(path, &st) == -1)
		return 0;
	return (uint64_t)st.st_size;
}
