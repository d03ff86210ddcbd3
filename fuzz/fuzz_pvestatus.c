/* fuzz_pvestatus.c: libFuzzer target for the `qm status` parser and the gate's result-line parsers (lib/pvestatus.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "pvestatus.h"
#include "verb.h"

/* A parsed result names a verb or "-", an exit status 0..255 and a word. */
static void
check_result(const struct pvestatus_result *r)
{
	char line[BG_GATE_LINE_MAX + 1];
	struct pvestatus_result again;
	size_t len;

	if (strcmp(r->verb, PVESTATUS_NO_VERB) != 0 && verb_lookup(r->verb) == NULL) {
		fprintf(stderr, "fuzz_pvestatus: result names verb \"%s\"\n", r->verb);
		abort();
	}
	if (r->exit_status < 0 || r->exit_status > 255 ||
	    !pvestatus_word_valid(r->state, strlen(r->state), BG_PVE_STATE_MAX))
		abort();

	/* Formatting what was parsed gives a line that parses to the same. */
	if (pvestatus_format_result(line, sizeof(line), r->verb, r->exit_status, r->state) != 0)
		abort();
	len = strlen(line);
	if (len == 0 || line[len - 1] != '\n' ||
	    pvestatus_parse_result(line, len - 1, &again) != 0 ||
	    memcmp(&again, r, sizeof(again)) != 0) {
		fprintf(stderr, "fuzz_pvestatus: the result line does not round-trip: %s", line);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct pvestatus st;
	struct pvestatus_result r;
	size_t start;

	if (pvestatus_parse(buf, size, &st) == 0) {
		if (!pvestatus_word_valid(st.state, strlen(st.state), BG_PVE_STATE_MAX))
			abort();
	}
	if (st.qmpstatus[0] != '\0' && !pvestatus_word_valid(st.qmpstatus, strlen(st.qmpstatus), BG_PVE_STATE_MAX))
		abort();
	if (st.lock[0] != '\0' && !pvestatus_word_valid(st.lock, strlen(st.lock), BG_PVE_LOCK_MAX))
		abort();
	if (st.uptime < -1 || st.pid < -1)
		abort();

	if (pvestatus_parse_result(buf, size, &r) == 0)
		check_result(&r);
	if (pvestatus_last_result(buf, size, &r, &start) == 0) {
		if (start > size || (start > 0 && buf[start - 1] != '\n'))
			abort();
		check_result(&r);
	}
	(void)pvestatus_word_valid(buf, size, BG_PVE_LOCK_MAX);
	return 0;
}
