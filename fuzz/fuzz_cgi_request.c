/* fuzz_cgi_request.c: libFuzzer target for the CGI request parser: a synthetic environment and body through cgi_begin. */
/*
 * An input is the environment, one NAME=value per line, then an empty line,
 * then the request body, which cgi_begin reads from stdin:
 *
 *   REQUEST_METHOD=POST
 *   CONTENT_TYPE=application/json
 *   HTTP_AUTHORIZATION=Bearer 0123456789abcdef0123456789abcdef-test
 *
 *   {"verb":"status"}
 *
 * Entries are passed as given, duplicates included, as lighttpd may pass
 * both spellings of a header. BREAKGLASS_CONF always names this target's
 * own configuration (bearer token and trusted proxies both set), and
 * CONTENT_LENGTH is the body's size unless the input sets it. Whatever
 * cgi_begin decides, the bytes it wrote to stdout must be one complete
 * response: nothing when it returns 0, else a Status line, the JSON headers
 * and an {"error":{"code","message"}} body.
 */

#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bounds.h"
#include "cgi.h"

/* The token the golden CGI cases use, so their requests make good seeds. */
#define FUZZ_TOKEN	"0123456789abcdef0123456789abcdef-test"
#define ENV_MAX		64		/* environment entries taken from one input */
#define OUT_MAX		(64 * 1024)	/* bytes of a response read back */

extern char **environ;

static char dir[] = "/tmp/bg-fuzz-cgi.XXXXXX";
static char conf_var[sizeof(dir) + 64];
static int out_fd = -1;

static void
write_file(const char *name, const char *text)
{
	char path[sizeof(dir) + 32];
	FILE *fp;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path) ||
	    (fp = fopen(path, "w")) == NULL) {
		perror("fuzz_cgi_request: write_file");
		abort();
	}
	fputs(text, fp);
	fclose(fp);
}

static void
cleanup(void)
{
	char path[sizeof(dir) + 32];

	snprintf(path, sizeof(path), "%s/token", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bg.conf", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state", dir);
	rmdir(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char conf[1024], state[sizeof(dir) + 16];

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL) {
		perror("fuzz_cgi_request: mkdtemp");
		abort();
	}
	atexit(cleanup);
	snprintf(state, sizeof(state), "%s/state", dir);
	mkdir(state, 0700);
	write_file("token", FUZZ_TOKEN "\n");
	snprintf(conf, sizeof(conf),
	    "state_dir = %s\n"
	    "bearer_token_file = %s/token\n"
	    "trusted_proxies = 127.0.0.1, ::1, 10.0.0.0/8\n"
	    "allowed_origin = https://breakglass.example\n", state, dir);
	write_file("bg.conf", conf);
	snprintf(conf_var, sizeof(conf_var), "BREAKGLASS_CONF=%s/bg.conf", dir);

	/* cgi_begin writes its response to stdout: keep it in a memory file to check. */
	out_fd = memfd_create("fuzz-cgi-out", MFD_CLOEXEC);
	if (out_fd == -1 || dup2(out_fd, STDOUT_FILENO) == -1) {
		perror("fuzz_cgi_request: stdout");
		abort();
	}
	return 0;
}

/* Check that out[0..len) is one complete error response. */
static void
check_error_response(const char *out, size_t len)
{
	const char *body = NULL;
	struct json_object *root = NULL, *err, *code, *msg;
	size_t i;

	for (i = 0; i + 4 <= len; i++)
		if (memcmp(out + i, "\r\n\r\n", 4) == 0) {
			body = out + i + 4;
			break;
		}
	if (len < 8 || memcmp(out, "Status: ", 8) != 0 || body == NULL ||
	    memmem(out, (size_t)(body - out), "Content-Type: application/json\r\n", 32) == NULL ||
	    memmem(out, (size_t)(body - out), "Cache-Control: no-store\r\n", 25) == NULL) {
		fprintf(stderr, "fuzz_cgi_request: malformed response head: %.*s\n", (int)(len < 300 ? len : 300), out);
		abort();
	}
	root = json_tokener_parse(body);
	if (root == NULL || !json_object_object_get_ex(root, "error", &err) ||
	    !json_object_object_get_ex(err, "code", &code) ||
	    !json_object_object_get_ex(err, "message", &msg) ||
	    !json_object_is_type(code, json_type_string) ||
	    !json_object_is_type(msg, json_type_string)) {
		fprintf(stderr, "fuzz_cgi_request: malformed error body: %.300s\n", body);
		abort();
	}
	json_object_put(root);
}

/* Return 1 when every number in obj is finite (a body is strict JSON). */
static int
all_finite(struct json_object *obj)
{
	size_t i;

	if (json_object_is_type(obj, json_type_double))
		return isfinite(json_object_get_double(obj));
	if (json_object_is_type(obj, json_type_array)) {
		for (i = 0; i < json_object_array_length(obj); i++)
			if (!all_finite(json_object_array_get_idx(obj, i)))
				return 0;
	}
	if (json_object_is_type(obj, json_type_object)) {
		json_object_object_foreach(obj, key, value) {
			(void)key;
			if (!all_finite(value))
				return 0;
		}
	}
	return 1;
}

/* Return 1 when s[0..len) decodes as UTF-8 to scalar values in their
 * shortest form, with no control character but tab, LF and CR. */
static int
strict_text(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t cp;

	while (i < len) {
		if (s[i] < 0x80) {
			if (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
				return 0;
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = s[i] & 0x07;
		} else
			return 0;
		if (i + n >= len)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Return 1 when an object of the JSON text s lists the same member name
 * twice, spelled byte for byte alike (a duplicate spelled with another
 * escape is not seen here). The text is valid JSON of bounded depth. */
static int
raw_duplicate_keys(const char *s, size_t len)
{
	enum { DEPTH = 64 };
	size_t *key_at, *key_len, first[DEPTH], nkeys = 0, depth = 0, i, k;
	char kind[DEPTH];
	int expect_key = 0, dup = 0;

	key_at = malloc((len / 2 + 1) * sizeof(*key_at));
	key_len = malloc((len / 2 + 1) * sizeof(*key_len));
	if (key_at == NULL || key_len == NULL)
		goto done;
	for (i = 0; i < len && !dup; i++) {
		char c = s[i];

		if (c == '"') {
			size_t start = ++i;

			while (i < len && s[i] != '"')
				i += s[i] == '\\' ? 2 : 1;
			if (i > len)
				i = len;
			if (depth > 0 && kind[depth - 1] == '{' && expect_key) {
				for (k = first[depth - 1]; k < nkeys; k++)
					if (key_len[k] == i - start && memcmp(s + key_at[k], s + start, i - start) == 0)
						dup = 1;
				key_at[nkeys] = start;
				key_len[nkeys++] = i - start;
				expect_key = 0;
			}
		} else if (c == '{' || c == '[') {
			if (depth == DEPTH)
				goto done;
			kind[depth] = c;
			first[depth++] = nkeys;
			expect_key = c == '{';
		} else if ((c == '}' || c == ']') && depth > 0) {
			nkeys = first[--depth];
			expect_key = 0;
		} else if (c == ',' && depth > 0 && kind[depth - 1] == '{') {
			expect_key = 1;
		}
	}
done:
	free(key_at);
	free(key_len);
	return dup;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *p, *end, *envp[ENV_MAX + 4], cl[64];
	char **saved = environ;
	struct cgi_request req;
	char out[OUT_MAX + 1];
	size_t n = 0, bodylen;
	const char *body;
	int have_cl = 0, rc, in;
	ssize_t got;

	/* The environment: its lines up to the first empty one, NUL-free. */
	copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	envp[n++] = conf_var;
	p = copy;
	end = copy + size;
	while (p < end && *p != '\n') {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *line = p;

		if (nl != NULL)
			*nl = '\0';
		p = nl != NULL ? nl + 1 : end;
		if (strlen(line) != (size_t)((nl != NULL ? nl : end) - line))
			continue;	/* a NUL inside: no environment holds one */
		if (strchr(line, '=') == NULL || n >= ENV_MAX)
			continue;
		if (strncmp(line, "CONTENT_LENGTH=", 15) == 0)
			have_cl = 1;
		envp[n++] = line;
	}
	if (p < end && *p == '\n')
		p++;
	body = (const char *)data + (p - copy);
	bodylen = size - (size_t)(p - copy);
	if (!have_cl) {
		snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", bodylen);
		envp[n++] = cl;
	}
	envp[n] = NULL;

	/* The body on stdin, from a memory file so no size can block. */
	in = memfd_create("fuzz-cgi-in", MFD_CLOEXEC);
	if (in == -1 || (bodylen > 0 && write(in, body, bodylen) != (ssize_t)bodylen) ||
	    lseek(in, 0, SEEK_SET) == -1 || dup2(in, STDIN_FILENO) == -1)
		abort();
	close(in);
	if (ftruncate(out_fd, 0) == -1 || lseek(out_fd, 0, SEEK_SET) == -1)
		abort();

	environ = envp;
	rc = cgi_begin(&req, CGI_GET | CGI_POST | CGI_DELETE);
	environ = saved;

	got = pread(out_fd, out, OUT_MAX, 0);
	if (got < 0)
		abort();
	out[got] = '\0';
	if (rc == 0) {
		if (got != 0) {
			fprintf(stderr, "fuzz_cgi_request: cgi_begin went on after answering\n");
			abort();
		}
		if (req.method == CGI_POST && (req.body == NULL ||
		    !json_object_is_type(req.body, json_type_object) || !all_finite(req.body))) {
			fprintf(stderr, "fuzz_cgi_request: a POST went on without a strict JSON object\n");
			abort();
		}
		if (req.method == CGI_POST && !have_cl && !strict_text((const unsigned char *)body, bodylen)) {
			fprintf(stderr, "fuzz_cgi_request: a POST went on with a body that is not strict UTF-8 text\n");
			abort();
		}
		if (req.method == CGI_POST && !have_cl && raw_duplicate_keys(body, bodylen)) {
			fprintf(stderr, "fuzz_cgi_request: a POST went on with a member named twice\n");
			abort();
		}
		if (req.user[0] == '\0')
			abort();
		(void)cgi_body_string(&req, "verb", BG_VERB_MAX);
		(void)cgi_body_string(&req, "message", BG_MESSAGE_MAX);
		cgi_end(&req);
	} else {
		check_error_response(out, (size_t)got);
		cgi_end(&req);
	}
	free(copy);
	return 0;
}
