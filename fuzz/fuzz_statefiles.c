/* fuzz_statefiles.c: libFuzzer target for the readers of state_dir's files: audit.jsonl, events.jsonl and meta.json. */
/*
 * The files are written by breakglass itself, but a full disk, a crash in
 * the middle of a write or an operator's editor can leave any bytes in
 * them, and every request reads them. An input is two control bytes (the
 * audit limit, the event id to read after), then the bytes that become all
 * three files. After reading, one event is appended: its id must follow the
 * last valid line's, and it must read back.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "audit.h"
#include "bounds.h"
#include "eventlog.h"
#include "session.h"

#define SESSION_ID	"0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d"

static char dir[] = "/tmp/bg-fuzz-state.XXXXXX";
static char state[sizeof(dir) + 16], sessdir[sizeof(state) + 64];

static void
put_file(const char *folder, const char *name, const uint8_t *data, size_t size)
{
	char path[sizeof(sessdir) + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", folder, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1 || (size > 0 && write(fd, data, size) != (ssize_t)size)) {
		perror("fuzz_statefiles: put_file");
		abort();
	}
	close(fd);
}

static void
cleanup(void)
{
	char path[sizeof(sessdir) + 32];
	static const char *const names[] = { SESSION_EVENTS, SESSION_META, SESSION_LOCK };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", sessdir, names[i]);
		unlink(path);
	}
	rmdir(sessdir);
	snprintf(path, sizeof(path), "%s/sessions", state);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/%s", state, AUDIT_FILE);
	unlink(path);
	rmdir(state);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[sizeof(state) + 16];

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(path, sizeof(path), "%s/sessions", state);
	snprintf(sessdir, sizeof(sessdir), "%s/%s", path, SESSION_ID);
	if (mkdir(state, 0700) == -1 || mkdir(path, 0700) == -1 || mkdir(sessdir, 0700) == -1)
		abort();
	return 0;
}

struct seen {
	int64_t	after;
	int64_t	want;		/* the appended id, or 0 */
	int	found;
	int	count;
};

static int
on_event(void *arg, int64_t id, const char *event, struct json_object *data)
{
	struct seen *s = arg;

	if (id <= s->after || event == NULL || data == NULL) {
		fprintf(stderr, "fuzz_statefiles: event %lld delivered after %lld\n", (long long)id, (long long)s->after);
		abort();
	}
	if (id == s->want && strcmp(event, "text") == 0)
		s->found = 1;
	s->count++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *arr, *ev;
	struct session_meta meta;
	struct eventlog *log;
	struct seen s;
	uint64_t offset = 0;
	int64_t id;
	int limit, rc;
	size_t i;

	if (size < 2)
		return 0;
	limit = data[0] % (BG_AUDIT_LIMIT_MAX + 1);
	memset(&s, 0, sizeof(s));
	s.after = data[1] % 8;
	data += 2;
	size -= 2;
	put_file(state, AUDIT_FILE, data, size);
	put_file(sessdir, SESSION_META, data, size);
	put_file(sessdir, SESSION_EVENTS, data, size);

	/* GET /audit: at most `limit` records, each an object. */
	arr = audit_read_newest(state, limit);
	if (arr == NULL || json_object_array_length(arr) > (size_t)limit)
		abort();
	for (i = 0; i < json_object_array_length(arr); i++)
		if (!json_object_is_type(json_object_array_get_idx(arr, i), json_type_object))
			abort();
	json_object_put(arr);

	/* GET /session/<id>: meta.json is valid or an error, never half read. */
	rc = session_read(state, SESSION_ID, &meta);
	if (rc == 0 && (memchr(meta.title, '\0', sizeof(meta.title)) == NULL ||
	    memchr(meta.cli_session, '\0', sizeof(meta.cli_session)) == NULL))
		abort();

	/* GET /chat: read, then resume from the offset it returned. */
	if (eventlog_read(state, SESSION_ID, s.after, &offset, on_event, &s) < 0 || offset > size)
		abort();
	if (eventlog_read(state, SESSION_ID, s.after, &offset, on_event, &s) < 0)
		abort();

	/* A turn's next event follows whatever the file holds, and reads back. */
	log = eventlog_open(state, SESSION_ID);
	if (log == NULL)
		abort();
	ev = json_object_new_object();
	json_object_object_add(ev, "text", json_object_new_string("x"));
	id = eventlog_append(log, "text", ev);
	json_object_put(ev);
	eventlog_close(log);
	if (id >= 1) {
		memset(&s, 0, sizeof(s));
		s.after = id - 1;
		s.want = id;
		offset = 0;
		if (eventlog_read(state, SESSION_ID, s.after, &offset, on_event, &s) < 1 || !s.found) {
			fprintf(stderr, "fuzz_statefiles: appended event %lld does not read back\n", (long long)id);
			abort();
		}
	}
	return 0;
}
