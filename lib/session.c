/* session.c: the session store: one folder per session, metadata replaced atomically, listing newest first. */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ids.h"
#include "session.h"
#include "util.h"

int
session_dir(const char *state_dir, const char *id, char *out, size_t outsz)
{
	int n;

	if (!ids_valid(id))
		return -1;
	n = snprintf(out, outsz, "%s/sessions/%s", state_dir, id);
	return (n < 0 || (size_t)n >= outsz) ? -1 : 0;
}

static int
meta_path(const char *state_dir, const char *id, char *out, size_t outsz)
{
	char dir[PATH_MAX];
	int n;

	if (session_dir(state_dir, id, dir, sizeof(dir)) == -1)
		return -1;
	n = snprintf(out, outsz, "%s/%s", dir, SESSION_META);
	return (n < 0 || (size_t)n >= outsz) ? -1 : 0;
}

int
session_write(const char *state_dir, const struct session_meta *meta)
{
	char path[PATH_MAX];
	struct json_object *o;
	const char *text;
	int rc;

	if (meta_path(state_dir, meta->id, path, sizeof(path)) == -1)
		return -1;
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(meta->id));
	json_object_object_add(o, "title", json_object_new_string(meta->title));
	json_object_object_add(o, "created", json_object_new_int64(meta->created));
	json_object_object_add(o, "updated", json_object_new_int64(meta->updated));
	json_object_object_add(o, "turns", json_object_new_int(meta->turns));
	json_object_object_add(o, "cli_session", json_object_new_string(meta->cli_session));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	rc = util_write_atomic(path, text, strlen(text));
	if (rc == -1)
		fprintf(stderr, "breakglass: session_write: %s: %s\n", path, strerror(errno));
	json_object_put(o);
	return rc;
}

int
session_create(const char *state_dir, struct session_meta *meta)
{
	char path[PATH_MAX];
	int tries;

	if ((size_t)snprintf(path, sizeof(path), "%s/sessions", state_dir) >= sizeof(path))
		return -1;
	if (mkdir(path, 0700) == -1 && errno != EEXIST) {
		fprintf(stderr, "breakglass: session_create: mkdir %s: %s\n", path, strerror(errno));
		return -1;
	}

	/* A collision of 122 random bits is not expected, but mkdir would report it. */
	for (tries = 0; tries < 3; tries++) {
		memset(meta, 0, sizeof(*meta));
		if (ids_uuid4(meta->id) == -1 || session_dir(state_dir, meta->id, path, sizeof(path)) == -1)
			return -1;
		if (mkdir(path, 0700) == 0)
			break;
		if (errno != EEXIST) {
			fprintf(stderr, "breakglass: session_create: mkdir %s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	if (tries == 3)
		return -1;

	meta->created = meta->updated = time(NULL);
	return session_write(state_dir, meta);
}

static int
get_string(struct json_object *o, const char *key, char *out, size_t outsz)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return -1;
	return util_strlcpy(out, json_object_get_string(v), outsz) >= outsz ? -1 : 0;
}

static int
get_int(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return *out < 0 ? -1 : 0;
}

int
session_read(const char *state_dir, const char *id, struct session_meta *meta)
{
	char path[PATH_MAX];
	struct json_object *o = NULL;
	int64_t created, updated, turns;
	size_t len;
	char *text;
	int rc = -1;

	if (meta_path(state_dir, id, path, sizeof(path)) == -1)
		return -1;
	text = util_read_file(path, BG_META_MAX, &len);
	if (text == NULL)
		return errno == ENOENT ? 1 : -1;

	memset(meta, 0, sizeof(*meta));
	o = json_tokener_parse(text);
	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    get_string(o, "id", meta->id, sizeof(meta->id)) == -1 ||
	    strcmp(meta->id, id) != 0 ||
	    get_string(o, "title", meta->title, sizeof(meta->title)) == -1 ||
	    get_string(o, "cli_session", meta->cli_session, sizeof(meta->cli_session)) == -1 ||
	    get_int(o, "created", &created) == -1 ||
	    get_int(o, "updated", &updated) == -1 ||
	    get_int(o, "turns", &turns) == -1 || turns > INT_MAX) {
		fprintf(stderr, "breakglass: session_read: %s: malformed\n", path);
		goto done;
	}
	meta->created = (time_t)created;
	meta->updated = (time_t)updated;
	meta->turns = (int)turns;
	rc = 0;

done:
	if (o != NULL)
		json_object_put(o);
	free(text);
	return rc;
}

int
session_running(const char *state_dir, const char *id)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int fd, rc = 0;

	if (session_dir(state_dir, id, dir, sizeof(dir)) == -1 ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, SESSION_LOCK) >= sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;

	/* A turn holds LOCK_EX; a shared lock we cannot get means it runs. */
	if (flock(fd, LOCK_SH | LOCK_NB) == -1)
		rc = (errno == EWOULDBLOCK) ? 1 : -1;
	close(fd);
	return rc;
}

void
session_set_title(struct session_meta *meta, const char *message)
{
	const unsigned char *p = (const unsigned char *)message;
	size_t n = 0, i;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	for (i = 0; p[i] != '\0' && p[i] != '\n' && p[i] != '\r'; i++) {
		if (n >= BG_TITLE_MAX)
			break;
		meta->title[n++] = (p[i] < 0x20 || p[i] == 0x7f) ? ' ' : (char)p[i];
	}

	/* Never end inside a UTF-8 sequence: drop a cut lead and its tail. */
	if (n > 0 && n == BG_TITLE_MAX && (p[i] & 0xc0) == 0x80) {
		while (n > 0 && ((unsigned char)meta->title[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && ((unsigned char)meta->title[n - 1] & 0xc0) == 0xc0)
			n--;
	}
	while (n > 0 && meta->title[n - 1] == ' ')
		n--;
	meta->title[n] = '\0';
}

struct json_object *
session_to_json(const struct session_meta *meta, int running)
{
	struct json_object *o = json_object_new_object();
	char created[32], updated[32];

	if (util_time_rfc3339(meta->created, created, sizeof(created)) == -1)
		util_strlcpy(created, "", sizeof(created));
	if (util_time_rfc3339(meta->updated, updated, sizeof(updated)) == -1)
		util_strlcpy(updated, "", sizeof(updated));
	json_object_object_add(o, "id", json_object_new_string(meta->id));
	json_object_object_add(o, "title", json_object_new_string(meta->title));
	json_object_object_add(o, "created", json_object_new_string(created));
	json_object_object_add(o, "updated", json_object_new_string(updated));
	json_object_object_add(o, "turns", json_object_new_int(meta->turns));
	json_object_object_add(o, "running", json_object_new_boolean(running == 1));
	return o;
}

static int
newest_first(const void *a, const void *b)
{
	const struct session_meta *x = a, *y = b;

	if (x->updated != y->updated)
		return x->updated < y->updated ? 1 : -1;
	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	return strcmp(x->id, y->id);
}

struct json_object *
session_list(const char *state_dir)
{
	struct session_meta *metas = NULL;
	struct json_object *arr = NULL;
	struct dirent *de;
	char path[PATH_MAX];
	size_t n = 0, i;
	DIR *d = NULL;

	if ((size_t)snprintf(path, sizeof(path), "%s/sessions", state_dir) >= sizeof(path))
		return NULL;
	metas = calloc(BG_SESSIONS_MAX, sizeof(*metas));
	if (metas == NULL)
		return NULL;
	d = opendir(path);
	if (d == NULL && errno != ENOENT) {
		fprintf(stderr, "breakglass: session_list: %s: %s\n", path, strerror(errno));
		goto done;
	}

	/* Folders whose names are not ids, or whose metadata is unreadable,
	 * are skipped: they are not sessions this program made. */
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (!ids_valid(de->d_name))
			continue;
		if (n == BG_SESSIONS_MAX) {
			/* XXX: sessions past BG_SESSIONS_MAX are not listed; the
			 * list is for a person to scroll, and they stay on disk. */
			fprintf(stderr, "breakglass: session_list: more than %d sessions, listing some\n", BG_SESSIONS_MAX);
			break;
		}
		if (session_read(state_dir, de->d_name, &metas[n]) == 0)
			n++;
	}
	qsort(metas, n, sizeof(*metas), newest_first);

	arr = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(arr, session_to_json(&metas[i], session_running(state_dir, metas[i].id)));

done:
	if (d != NULL)
		closedir(d);
	free(metas);
	return arr;
}
