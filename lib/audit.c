/* audit.c: the append-only audit log: one JSON line per record, one write(2) each, never rewritten. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "ids.h"
#include "util.h"

static struct json_object *
string_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

int
audit_append(const char *state_dir, struct audit_record *rec)
{
	char path[PATH_MAX], now[32], line[BG_AUDIT_RECORD_MAX];
	struct json_object *o;
	const char *text;
	int fd = -1, rc = -1;
	int n;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", state_dir, AUDIT_FILE) >= sizeof(path))
		return -1;
	if (ids_uuid4(rec->id) == -1 || util_time_rfc3339(time(NULL), now, sizeof(now)) == -1)
		return -1;

	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(rec->id));
	json_object_object_add(o, "time", json_object_new_string(now));
	json_object_object_add(o, "user", string_or_null(rec->user));
	json_object_object_add(o, "remote", string_or_null(rec->remote));
	json_object_object_add(o, "action", string_or_null(rec->action));
	if (rec->verb != NULL)
		json_object_object_add(o, "verb", json_object_new_string(rec->verb));
	if (rec->session != NULL)
		json_object_object_add(o, "session", json_object_new_string(rec->session));
	json_object_object_add(o, "ok", json_object_new_boolean(rec->ok));
	json_object_object_add(o, "exit_status",
	    rec->exit_status >= 0 ? json_object_new_int(rec->exit_status) : NULL);
	json_object_object_add(o, "state", string_or_null(rec->state));
	json_object_object_add(o, "duration_ms",
	    rec->duration_ms >= 0 ? json_object_new_int64(rec->duration_ms) : NULL);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	/* The record and its newline go out in one write, so concurrent
	 * writers never interleave inside a line. */
	n = snprintf(line, sizeof(line), "%s\n", text);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		fprintf(stderr, "breakglass: audit_append: record longer than %d bytes\n", BG_AUDIT_RECORD_MAX);
		goto done;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		fprintf(stderr, "breakglass: audit_append: %s: %s\n", path, strerror(errno));
		goto done;
	}
	if (write(fd, line, (size_t)n) != n || fsync(fd) == -1) {
		fprintf(stderr, "breakglass: audit_append: write %s: %s\n", path, strerror(errno));
		goto done;
	}
	rc = 0;

done:
	if (fd != -1)
		close(fd);
	json_object_put(o);
	return rc;
}

struct json_object *
audit_read_newest(const char *state_dir, int limit)
{
	char path[PATH_MAX];
	struct json_object *arr = NULL;
	struct stat st;
	char *buf = NULL;
	off_t start;
	size_t want, got = 0;
	int fd;

	if (limit < 0 || limit > BG_AUDIT_LIMIT_MAX)
		return NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", state_dir, AUDIT_FILE) >= sizeof(path))
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return errno == ENOENT ? json_object_new_array() : NULL;
	if (fstat(fd, &st) == -1)
		goto done;

	/* Records are at most BG_AUDIT_RECORD_MAX bytes, so the newest `limit`
	 * lie in the last limit * BG_AUDIT_RECORD_MAX bytes (plus one partial
	 * line in front, which is dropped). */
	want = (size_t)(limit + 1) * BG_AUDIT_RECORD_MAX;
	start = st.st_size > (off_t)want ? st.st_size - (off_t)want : 0;
	want = (size_t)(st.st_size - start);
	buf = malloc(want + 1);
	if (buf == NULL)
		goto done;
	while (got < want) {
		ssize_t n = pread(fd, buf + got, want - got, start + (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';

	arr = json_object_new_array();
	{
		size_t end = got;
		int count = 0;

		/* Walk lines from the end; a line without its newline is a
		 * record still being written, and is skipped. */
		if (end > 0 && buf[end - 1] != '\n') {
			while (end > 0 && buf[end - 1] != '\n')
				end--;
		}
		while (end > 0 && count < limit) {
			size_t ls = end - 1;
			struct json_object *rec;

			while (ls > 0 && buf[ls - 1] != '\n')
				ls--;
			if (ls == 0 && start > 0)
				break;	/* the partial first line */
			buf[end - 1] = '\0';
			rec = json_tokener_parse(buf + ls);
			if (rec != NULL && json_object_is_type(rec, json_type_object)) {
				json_object_array_add(arr, rec);
				count++;
			} else if (rec != NULL) {
				json_object_put(rec);
			}
			end = ls;
		}
	}

done:
	free(buf);
	close(fd);
	return arr;
}
