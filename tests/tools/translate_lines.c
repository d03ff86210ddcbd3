/* translate_lines: prints the chat events of a file of stream-json lines, one "name <json>" per line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "translate.h"

#define INPUT_MAX	((size_t)1 << 31)	/* bytes of the input file */
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

/* Read all of fp into a new buffer; NULL on error or when over INPUT_MAX. */
static char *
read_all(FILE *fp, size_t *lenp)
{
	char	*buf = NULL, *grown;
	size_t	 len = 0, cap = 0, n;

	for (;;) {
		if (cap - len < 65536) {
			if (cap >= INPUT_MAX || (grown = realloc(buf, cap ? cap * 2 : 1 << 20)) == NULL) {
				free(buf);
				return NULL;
			}
			buf = grown;
			cap = cap ? cap * 2 : 1 << 20;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		free(buf);
		return NULL;
	}
	*lenp = len;
	return buf;
}

int
main(int argc, char *argv[])
{
	struct translate_state	*st = NULL;
	FILE			*fp = stdin;
	char			*buf = NULL, *line, *nl;
	size_t			 len = 0, rest;
	int			 rc = 1, resumed = 0;

	if (argc > 1 && strcmp(argv[1], "--resumed") == 0) {
		resumed = 1;
		argc--;
		argv++;
	}
	if (argc > 2) {
		fprintf(stderr, "usage: translate_lines [--resumed] [FILE]\n");
		return 2;
	}
	if (argc == 2 && (fp = fopen(argv[1], "rb")) == NULL) {
		fprintf(stderr, "translate_lines: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if ((buf = read_all(fp, &len)) == NULL || (st = translate_new()) == NULL) {
		fprintf(stderr, "translate_lines: reading the input failed\n");
		goto done;
	}
	translate_set_resumed(st, resumed);

	/* Each line without its newline; a last line without one counts too. */
	for (line = buf, rest = len; rest > 0; ) {
		nl = memchr(line, '\n', rest);
		size_t n = nl ? (size_t)(nl - line) : rest;
		if (translate_line(st, line, n, print_event, stdout) != 0) {
			fprintf(stderr, "translate_lines: translation failed\n");
			goto done;
		}
		line += n + (nl != NULL);
		rest -= n + (nl != NULL);
	}
	rc = fflush(stdout) == 0 ? 0 : 1;
done:
	translate_free(st);
	free(buf);
	if (fp != stdin)
		fclose(fp);
	return rc;
}
