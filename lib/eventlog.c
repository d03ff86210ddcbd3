/* eventlog.c: appends a session's chat events to events.jsonl and reads them back from a byte offset. */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bounds.h"
#include "eventlog.h"
#include "session.h"
#include "util.h"

#define JSON_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define SCAN_CHUNK	(16 * 1024)	/* bytes read per step when scanning back for a newline */
#define READ_CHUNK	(64 * 1024)	/* bytes read per step by eventlog_read */
#define LINE_OVERHEAD	64		/* bytes of a line besides its name and data */

struct eventlog {
	int	fd;
	char	path[PATH_MAX];
	off_t	known_size;	/* the file's size after our last append, or -1 */
	int64_t	known_id;	/* the id of the last line at that size */
};

/* Write the path of a session's event log; -1 when the id is invalid or it does not fit. */
static int
log_path(const char *state_dir, const char *session_id, char *out, size_t size)
{
	char	dir[PATH_MAX];
	int	n;

	if (session_dir(state_dir, session_id, dir, sizeof(dir)) == -1)
		return -1;
	n = snprintf(out, size, "%s/%s", dir, SESSION_EVENTS);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Return 1 when name is 1 to BG_EVENT_NAME_MAX bytes of [a-z_]. */
static int
event_name_valid(const char *name)
{
	size_t	i;

	for (i = 0; name[i] != '\0'; i++)
		if (i >= BG_EVENT_NAME_MAX || !((name[i] >= 'a' && name[i] <= 'z') || name[i] == '_'))
			return 0;
	return i > 0;
}

static int
pread_all(int fd, char *buf, size_t len, off_t off)
{
	ssize_t	n;

	while (len > 0) {
		n = pread(fd, buf, len, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/*
 * Parse one line of the log. Return its root object (the caller puts it)
 * with *id, *event and *data borrowed from it, or NULL when the line is not
 * {"id":n,"event":name,"data":...} with n >= 1.
 */
static struct json_object *
parse_line(const char *line, size_t len, int64_t *id, const char **event, struct json_object **data)
{
	struct json_tokener	*tok;
	struct json_object	*root, *idobj, *name;

	if (len > BG_EVENT_LINE_MAX || (tok = json_tokener_new_ex(BG_STREAM_JSON_DEPTH + 2)) == NULL)
		return NULL;
	root = json_tokener_parse_ex(tok, line, (int)len);
	if (root != NULL && json_tokener_get_parse_end(tok) != len) {
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);

	if (!json_object_object_get_ex(root, "id", &idobj) || !json_object_is_type(idobj, json_type_int) ||
	    (*id = json_object_get_int64(idobj)) < 1 ||
	    !json_object_object_get_ex(root, "event", &name) || !json_object_is_type(name, json_type_string) ||
	    !json_object_object_get_ex(root, "data", data) || !json_object_is_type(*data, json_type_object)) {
		json_object_put(root);
		return NULL;
	}
	*event = json_object_get_string(name);
	return root;
}

/* Return the offset just past the last newline in [0, end), or 0. */
static off_t
line_start(int fd, off_t end)
{
	char	 buf[SCAN_CHUNK];
	char	*nl;
	size_t	 n;

	while (end > 0) {
		n = end < (off_t)sizeof(buf) ? (size_t)end : sizeof(buf);
		if (pread_all(fd, buf, n, end - (off_t)n) == -1)
			return -1;
		if ((nl = memrchr(buf, '\n', n)) != NULL)
			return end - (off_t)n + (nl - buf) + 1;
		end -= (off_t)n;
	}
	return 0;
}

/* Return the id of the complete line [start, end), or 0 when it is not a valid line. */
static int64_t
line_id(int fd, off_t start, off_t end)
{
	struct json_object	*root, *data;
	const char		*event;
	int64_t			 id = 0;
	size_t			 len = (size_t)(end - start);
	char			*buf;

	if (len > BG_EVENT_LINE_MAX || (buf = malloc(len + 1)) == NULL)
		return 0;
	if (pread_all(fd, buf, len, start) == 0 && (root = parse_line(buf, len, &id, &event, &data)) != NULL)
		json_object_put(root);
	else
		id = 0;
	free(buf);
	return id;
}

/*
 * Find the id of the last valid line of a file of size bytes, 0 when there
 * is none, -1 on a read error. *terminated is 0 when the file ends in a
 * partial line (a write cut short), which the next append must end first.
 */
static int64_t
last_id(int fd, off_t size, int *terminated)
{
	off_t	end = size, start;
	int64_t	id;
	char	c = '\n';

	if (size > 0 && pread_all(fd, &c, 1, size - 1) == -1)
		return -1;
	*terminated = c == '\n';
	if (!*terminated && (end = line_start(fd, size)) == -1)
		return -1;

	/* Walk back over complete lines until one parses. */
	while (end > 0) {
		if ((start = line_start(fd, end - 1)) == -1)
			return -1;
		if ((id = line_id(fd, start, end - 1)) > 0)
			return id;
		fprintf(stderr, "breakglass: eventlog_append: skipping an invalid line at byte %lld\n",
		    (long long)start);
		end = start;
	}
	return 0;
}

/* Format `{"id":n,"event":name,"data":json}\n`, after a newline when the file
 * ends in a partial line; return the new buffer or NULL. */
static char *
format_line(int64_t id, const char *event, const char *json, size_t jsonlen, int terminated,
    size_t *lenp)
{
	size_t	size = LINE_OVERHEAD + strlen(event) + jsonlen;
	char	*buf;
	int	 n;

	if (size > BG_EVENT_LINE_MAX || (buf = malloc(size)) == NULL)
		return NULL;
	n = snprintf(buf, size, "%s{\"id\":%lld,\"event\":\"%s\",\"data\":", terminated ? "" : "\n",
	    (long long)id, event);
	if (n < 0 || (size_t)n + jsonlen + 2 >= size) {
		free(buf);
		return NULL;
	}
	memcpy(buf + n, json, jsonlen);
	memcpy(buf + (size_t)n + jsonlen, "}\n", 2);
	*lenp = (size_t)n + jsonlen + 2;
	return buf;
}

struct eventlog *
eventlog_open(const char *state_dir, const char *session_id)
{
	struct eventlog	*log;

	if ((log = calloc(1, sizeof(*log))) == NULL)
		return NULL;
	log->known_size = -1;
	if (log_path(state_dir, session_id, log->path, sizeof(log->path)) == -1) {
		fprintf(stderr, "breakglass: eventlog_open: invalid session id or path too long\n");
		free(log);
		return NULL;
	}
	if ((log->fd = open(log->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		fprintf(stderr, "breakglass: eventlog_open: %s: %s\n", log->path, strerror(errno));
		free(log);
		return NULL;
	}
	return log;
}

/*
 * The lock makes finding the last id and appending the next one a single
 * step, so two writers never share an id. The size seen after our own last
 * append saves rereading the tail while no other writer appends.
 */
int64_t
eventlog_append(struct eventlog *log, const char *event, struct json_object *data)
{
	const char	*json, *errstr = NULL;
	char		*line = NULL;
	size_t		 jsonlen, len;
	struct stat	 sb;
	int64_t		 id = -1, last;
	int		 terminated = 1, locked = 0, err = 0;

	if (!event_name_valid(event) || data == NULL) {
		errstr = "invalid event name or no data";
		goto done;
	}
	if ((json = json_object_to_json_string_length(data, JSON_FLAGS, &jsonlen)) == NULL) {
		errstr = "serializing the data failed";
		goto done;
	}
	while (flock(log->fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			err = errno;
			errstr = "flock failed";
			goto done;
		}
	}
	locked = 1;

	if (fstat(log->fd, &sb) == -1) {
		err = errno;
		errstr = "fstat failed";
		goto done;
	}
	if (sb.st_size == log->known_size)
		last = log->known_id;
	else if ((last = last_id(log->fd, sb.st_size, &terminated)) == -1) {
		errstr = "reading the last line failed";
		goto done;
	}
	if (last == INT64_MAX) {
		errstr = "no id is left: the last line's id is INT64_MAX";
		goto done;
	}
	if ((line = format_line(last + 1, event, json, jsonlen, terminated, &len)) == NULL) {
		errstr = "event too long or out of memory";
		goto done;
	}
	if (util_write_all(log->fd, line, len) == -1) {
		err = errno;
		errstr = "write failed";
		log->known_size = -1;
		goto done;
	}
	id = last + 1;
	log->known_size = sb.st_size + (off_t)len;
	log->known_id = id;
done:
	if (errstr != NULL)
		fprintf(stderr, "breakglass: eventlog_append: %s: %s%s%s\n", log->path, errstr,
		    err ? ": " : "", err ? strerror(err) : "");
	if (locked)
		(void)flock(log->fd, LOCK_UN);
	free(line);
	return id;
}

void
eventlog_close(struct eventlog *log)
{
	if (log == NULL)
		return;
	close(log->fd);
	free(log);
}

/* ---- reading ---- */

/* A reader's window on the file: buf[start..len) holds the bytes from file
 * offset base + start on. */
struct reader {
	int		 fd;
	char		*buf;
	size_t		 start;
	size_t		 len;
	size_t		 cap;
	uint64_t	 base;
};

/* Read more bytes after the window, first moving it to the front of buf and
 * growing buf up to BG_EVENT_LINE_MAX plus two chunks. Return the bytes read
 * (0 at end of file) or -1. */
static ssize_t
reader_fill(struct reader *r)
{
	size_t	cap;
	char	*grown;
	ssize_t	 n;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->len - r->start);
		r->len -= r->start;
		r->base += r->start;
		r->start = 0;
	}
	if (r->cap - r->len < READ_CHUNK) {
		cap = r->cap == 0 ? READ_CHUNK * 2 : r->cap * 2;
		if (cap > (size_t)BG_EVENT_LINE_MAX + READ_CHUNK * 2)
			cap = (size_t)BG_EVENT_LINE_MAX + READ_CHUNK * 2;
		if (cap - r->len < READ_CHUNK || (grown = realloc(r->buf, cap)) == NULL)
			return -1;
		r->buf = grown;
		r->cap = cap;
	}
	do
		n = pread(r->fd, r->buf + r->len, r->cap - r->len, (off_t)(r->base + r->len));
	while (n == -1 && errno == EINTR);
	if (n > 0)
		r->len += (size_t)n;
	return n;
}

/* Hand one complete line to fn when its id is after `after`; fn's return
 * value goes to *stop. Return 1 when fn was called, else 0. */
static int
deliver(const char *line, size_t len, int64_t after, eventlog_fn fn, void *arg, int *stop)
{
	struct json_object	*root, *data;
	const char		*event;
	int64_t			 id;
	int			 called = 0;

	if ((root = parse_line(line, len, &id, &event, &data)) == NULL) {
		fprintf(stderr, "breakglass: eventlog_read: skipping an invalid line\n");
		return 0;
	}
	if (id > after) {
		*stop = fn(arg, id, event, data);
		called = 1;
	}
	json_object_put(root);
	return called;
}

/*
 * Only complete lines count: *offset moves past each line read and stops at
 * the start of a partial last line, which is read again on the next call.
 * A line over BG_EVENT_LINE_MAX (never written by eventlog_append) is
 * skipped without being held in memory.
 */
int
eventlog_read(const char *state_dir, const char *session_id, int64_t after,
    uint64_t *offset, eventlog_fn fn, void *arg)
{
	struct reader	 r = { -1, NULL, 0, 0, 0, *offset };
	char		 path[PATH_MAX];
	char		*line, *nl;
	size_t		 scanned = 0;
	ssize_t		 n;
	int		 count = 0, stop = 0, skipping = 0;

	if (log_path(state_dir, session_id, path, sizeof(path)) == -1)
		return -1;
	if ((r.fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;

	while (!stop) {
		/* Before the first read buf is NULL, and NULL + 0 is undefined. */
		line = r.buf != NULL ? r.buf + r.start : NULL;
		nl = r.len > r.start + scanned ? memchr(line + scanned, '\n', r.len - r.start - scanned) : NULL;
		if (nl == NULL) {
			if (r.len - r.start > (size_t)BG_EVENT_LINE_MAX) {
				skipping = 1;
				r.start = r.len;
			}
			scanned = r.len - r.start;
			if ((n = reader_fill(&r)) <= 0) {
				count = n == 0 ? count : -1;
				break;
			}
			continue;
		}
		if (skipping)
			fprintf(stderr, "breakglass: eventlog_read: %s: skipped a line over %d bytes\n",
			    path, BG_EVENT_LINE_MAX);
		else
			count += deliver(line, (size_t)(nl - line), after, fn, arg, &stop);
		skipping = 0;
		scanned = 0;
		r.start += (size_t)(nl - line) + 1;
		*offset = r.base + r.start;
	}
	close(r.fd);
	free(r.buf);
	return count;
}
