/* translate_lines: prints the chat events of a file of stream-json lines, one "name <json>" per line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "translate.h"

#define INPUT_MAX	((size_t)1 << 31)	/* bytes of the longest input line, at least */
#define CHUNK		(64 * 1024)		/* bytes per read(2) */
#define JSON_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static int
print_event(void *arg, const char *event, struct json_object *data)
{
	FILE	*out = arg;
	size_t	 len;
	const char *json = json_object_to_json_string_length(data, JSON_FLAGS, &len);

	fputs(event, out);
	fputc(' ', out);
	fwrite(json, 1, len, out);
	fputc('\n', out);
	return ferror(out) ? -1 : 0;
}

/*
 * Translate every line read from fd, as the turn runner does: reads of
 * CHUNK bytes into one reused buffer, each complete line translated in
 * place, and a last line without a newline translated at end of file.
 */
static int
translate_fd(struct translate_state *st, int fd)
{
	char	*buf = NULL, *grown, *line, *nl;
	size_t	 len = 0, cap = 0, used, scanned = 0;	/* bytes known to hold no newline */
	ssize_t	 n;
	int	 rc = -1;

	for (;;) {
		if (cap - len < CHUNK) {
			if (cap >= INPUT_MAX || (grown = realloc(buf, cap ? cap * 2 : CHUNK * 4)) == NULL)
				goto done;
			buf = grown;
			cap = cap ? cap * 2 : CHUNK * 4;
		}
		if ((n = read(fd, buf + len, CHUNK)) < 0)
			goto done;
		len += (size_t)n;

		line = buf;
		while ((nl = memchr(buf + scanned, '\n', len - scanned)) != NULL) {
			if (translate_line(st, line, (size_t)(nl - line), print_event, stdout) != 0)
				goto done;
			line = nl + 1;
			scanned = (size_t)(line - buf);
		}
		used = (size_t)(line - buf);
		memmove(buf, line, len - used);
		len -= used;
		scanned = len;

		if (n == 0) {
			if (len > 0 && translate_line(st, buf, len, print_event, stdout) != 0)
				goto done;
			break;
		}
	}
	rc = 0;
done:
	free(buf);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct translate_state	*st;
	int			 fd = STDIN_FILENO, rc = 1, resumed = 0;

	if (argc > 1 && strcmp(argv[1], "--resumed") == 0) {
		resumed = 1;
		argc--;
		argv++;
	}
	if (argc > 2) {
		fprintf(stderr, "usage: translate_lines [--resumed] [FILE]\n");
		return 2;
	}
	if (argc == 2 && (fd = open(argv[1], O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "translate_lines: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if ((st = translate_new()) == NULL) {
		fprintf(stderr, "translate_lines: out of memory\n");
		return 1;
	}
	translate_set_resumed(st, resumed);

	if (translate_fd(st, fd) != 0)
		fprintf(stderr, "translate_lines: reading or translating the input failed\n");
	else if (fflush(stdout) == 0)
		rc = 0;
	translate_free(st);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}
