/* pvestatus.c: parsers for `qm status --verbose` output and the gate's result line; no third-party library. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "pvestatus.h"
#include "util.h"
#include "verb.h"

#define NUMBER_MAX	20	/* digits of a long long */

int
pvestatus_word_valid(const char *s, size_t len, size_t max)
{
	size_t i;

	if (len == 0 || len > max)
		return 0;
	if (s[0] < 'a' || s[0] > 'z')
		return 0;
	for (i = 1; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return 1;
}

/* Copy a word into out (size max + 1) when valid; return 0 or -1. */
static int
copy_word(char *out, const char *s, size_t len, size_t max)
{
	if (!pvestatus_word_valid(s, len, max))
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

/* Parse len bytes of decimal digits in [0, max]; return the value or -1. */
static long long
parse_number(const char *s, size_t len, long long max)
{
	char buf[NUMBER_MAX + 1];
	const char *errstr;
	long long v;

	if (len == 0 || len > NUMBER_MAX || s[0] == '-')
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = util_strtonum(buf, 0, max, &errstr);
	if (errstr != NULL)
		return -1;
	return v;
}

/* Handle one "key: value" line of qm status output. */
static void
status_line(const char *line, size_t len, struct pvestatus *st, int *have_state)
{
	const char *colon = memchr(line, ':', len);
	const char *value;
	size_t keylen, vlen;

	/* Nested values (blockstat, nics, ...) are indented: skip them. */
	if (colon == NULL || len == 0 || line[0] == ' ' || line[0] == '\t')
		return;
	keylen = (size_t)(colon - line);
	if (keylen + 2 > len || colon[1] != ' ')
		return;
	value = colon + 2;
	vlen = len - keylen - 2;

	if (keylen == 6 && memcmp(line, "status", 6) == 0 && !*have_state) {
		if (copy_word(st->state, value, vlen, BG_PVE_STATE_MAX) == 0)
			*have_state = 1;
	} else if (keylen == 9 && memcmp(line, "qmpstatus", 9) == 0) {
		(void)copy_word(st->qmpstatus, value, vlen, BG_PVE_STATE_MAX);
	} else if (keylen == 4 && memcmp(line, "lock", 4) == 0) {
		(void)copy_word(st->lock, value, vlen, BG_PVE_LOCK_MAX);
	} else if (keylen == 6 && memcmp(line, "uptime", 6) == 0) {
		st->uptime = parse_number(value, vlen, LLONG_MAX);
	} else if (keylen == 3 && memcmp(line, "pid", 3) == 0) {
		st->pid = parse_number(value, vlen, INT_MAX);
	}
}

int
pvestatus_parse(const char *buf, size_t len, struct pvestatus *st)
{
	size_t pos = 0;
	int have_state = 0;

	memset(st, 0, sizeof(*st));
	st->uptime = -1;
	st->pid = -1;

	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t linelen = nl != NULL ? (size_t)(nl - line) : len - pos;

		status_line(line, linelen, st, &have_state);
		pos += linelen + (nl != NULL ? 1 : 0);
	}
	return have_state ? 0 : -1;
}

/* Take the field "name=" at *pos up to the next space (or the end when
 * last); set *val and *vlen; return 0 or -1. */
static int
take_field(const char *line, size_t len, size_t *pos, const char *name,
    int last, const char **val, size_t *vlen)
{
	size_t nlen = strlen(name);
	const char *start, *end;

	if (len - *pos < nlen || memcmp(line + *pos, name, nlen) != 0)
		return -1;
	start = line + *pos + nlen;
	if (last) {
		end = line + len;
	} else {
		end = memchr(start, ' ', (size_t)(line + len - start));
		if (end == NULL)
			return -1;
	}
	*val = start;
	*vlen = (size_t)(end - start);
	*pos = (size_t)(end - line) + (last ? 0 : 1);
	return 0;
}

int
pvestatus_parse_result(const char *line, size_t len, struct pvestatus_result *r)
{
	size_t pos = 0, plen = strlen(PVESTATUS_RESULT_PREFIX), vlen;
	const char *val;
	long long ex;

	memset(r, 0, sizeof(*r));
	if (len > BG_GATE_LINE_MAX || len < plen ||
	    memcmp(line, PVESTATUS_RESULT_PREFIX, plen) != 0)
		return -1;
	pos = plen;

	if (take_field(line, len, &pos, "verb=", 0, &val, &vlen) != 0)
		return -1;
	if (vlen == 1 && val[0] == '-')
		util_strlcpy(r->verb, PVESTATUS_NO_VERB, sizeof(r->verb));
	else if (verb_lookup_len(val, vlen) != NULL) {
		memcpy(r->verb, val, vlen);
		r->verb[vlen] = '\0';
	} else
		return -1;

	if (take_field(line, len, &pos, "exit=", 0, &val, &vlen) != 0)
		return -1;
	ex = parse_number(val, vlen, 255);
	if (ex < 0 || (vlen > 1 && val[0] == '0'))
		return -1;
	r->exit_status = (int)ex;

	if (take_field(line, len, &pos, "state=", 1, &val, &vlen) != 0)
		return -1;
	if (copy_word(r->state, val, vlen, BG_PVE_STATE_MAX) != 0)
		return -1;
	return 0;
}

int
pvestatus_last_result(const char *buf, size_t len, struct pvestatus_result *r,
    size_t *line_start)
{
	size_t end = len, start;

	if (end > 0 && buf[end - 1] == '\n')
		end--;
	start = end;
	while (start > 0 && buf[start - 1] != '\n')
		start--;
	if (pvestatus_parse_result(buf + start, end - start, r) != 0)
		return -1;
	if (line_start != NULL)
		*line_start = start;
	return 0;
}

int
pvestatus_format_result(char *out, size_t outsz, const char *verb,
    int exit_status, const char *state)
{
	int n;

	if (!pvestatus_word_valid(state, strlen(state), BG_PVE_STATE_MAX))
		state = PVESTATUS_UNKNOWN;
	if (strcmp(verb, PVESTATUS_NO_VERB) != 0 && verb_lookup(verb) == NULL)
		verb = PVESTATUS_NO_VERB;
	if (exit_status < 0 || exit_status > 255)
		exit_status = 255;

	n = snprintf(out, outsz, "%sverb=%s exit=%d state=%s\n",
	    PVESTATUS_RESULT_PREFIX, verb, exit_status, state);
	if (n < 0 || (size_t)n >= outsz)
		return -1;
	return 0;
}
