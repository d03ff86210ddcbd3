/* pvestatus.h: parsers for `qm status --verbose` output and the gate's result line. */
#ifndef BG_PVESTATUS_H
#define BG_PVESTATUS_H

#include <stddef.h>

#include "bounds.h"

/* The prefix of the gate's last line:
 * "breakglass-gate: verb=<v> exit=<n> state=<s>". */
#define PVESTATUS_RESULT_PREFIX	"breakglass-gate: "
/* The verb the gate names when the requested command was no verb. */
#define PVESTATUS_NO_VERB	"-"
#define PVESTATUS_UNKNOWN	"unknown"

/* The top-level keys of `qm status <vmid> [--verbose]` output. */
struct pvestatus {
	char		state[BG_PVE_STATE_MAX + 1];	/* "running", "stopped"; "" when absent */
	char		qmpstatus[BG_PVE_STATE_MAX + 1];	/* "" when absent */
	char		lock[BG_PVE_LOCK_MAX + 1];	/* "" when absent */
	long long	uptime;		/* seconds, -1 when absent */
	long long	pid;		/* QEMU process id, -1 when absent */
};

/* The gate's result line. */
struct pvestatus_result {
	char	verb[BG_VERB_MAX + 1];	/* a verb name or PVESTATUS_NO_VERB */
	int	exit_status;		/* 0..255 */
	char	state[BG_PVE_STATE_MAX + 1];
};

/* Return 1 when s[0..len) is a state or lock word: 1..max bytes of
 * lowercase letters, digits and '-', starting with a letter. */
int pvestatus_word_valid(const char *s, size_t len, size_t max);

/* Parse the key lines of `qm status` output in buf[0..len). Return 0 when a
 * valid "status:" line was found, else -1; other keys are filled when
 * present and well formed, and ignored otherwise. */
int pvestatus_parse(const char *buf, size_t len, struct pvestatus *st);

/* Parse exactly one result line (without its newline). Return 0 or -1. */
int pvestatus_parse_result(const char *line, size_t len, struct pvestatus_result *r);

/* Parse the last line of buf[0..len) (one trailing newline allowed) as the
 * result line. Return 0 and set *line_start to the offset where that line
 * begins, or -1 when the last line is not a result line. */
int pvestatus_last_result(const char *buf, size_t len,
    struct pvestatus_result *r, size_t *line_start);

/* Write the result line with its newline into out. verb must be a verb
 * name or PVESTATUS_NO_VERB, state a valid word (else "unknown" is
 * written). Return 0, or -1 when it does not fit. */
int pvestatus_format_result(char *out, size_t outsz, const char *verb,
    int exit_status, const char *state);

#endif
