/* turn.h: one chat turn: the CLI's argv and environment, the detached supervisor that runs it, and stopping it. */
#ifndef BG_TURN_H
#define BG_TURN_H

#include <sys/types.h>

#include "agent.h"
#include "config.h"
#include "session.h"

#define TURN_PID	"turn.pid"	/* "<pid> <start time>\n" of a running turn's supervisor */
#define TURN_WORK	"work"		/* the CLI's working directory under state_dir */

/* The inputs of one turn. The strings must stay valid until turn_start returns. */
struct turn_request {
	const struct config	*cfg;
	const char		*session;	/* our session id, valid */
	const char		*message;	/* the operator's message, 1..BG_MESSAGE_MAX bytes */
	const char		*user;		/* for the audit log */
	const char		*remote;
	int			resumed;	/* argv resumes the CLI's session */
};

/*
 * Build the CLI's argv, exactly:
 *   claude_bin -p --output-format stream-json --verbose --include-partial-messages
 *     (--session-id SESSION | --resume CLI_SESSION) --agents JSON --agent NAME
 *     --tools T --allowedTools T --max-turns N [--model M] -- MESSAGE
 * --resume when cli_session is non-empty (it must then be a valid id).
 * Return a NULL-terminated vector (free with turn_free_vector) or NULL.
 */
char **turn_build_argv(const struct config *cfg, const struct agent *agent,
    const char *session, const char *cli_session, const char *message);

/*
 * Build the CLI's environment from scratch: PATH, HOME, LANG, SSH_AUTH_SOCK
 * and the agent_env names, each taken from this process's environment when
 * set. PATH, HOME and LANG fall back to a fixed PATH, the user's home from
 * the password database and C.UTF-8. NULL when out of memory.
 */
char **turn_build_env(const struct config *cfg);

void turn_free_vector(char **v);

/*
 * Take the session's turn lock (flock LOCK_EX on turn.lock), retrying for
 * BG_TURN_LOCK_RETRY_MS because a session_running probe holds it shared for
 * a moment. Return the locked fd, TURN_BUSY when a turn runs, or -1.
 */
#define TURN_BUSY	(-2)
int turn_lock(const char *state_dir, const char *session);

/*
 * Start the turn's supervisor, detached from this process (its own session,
 * so the CGI can be killed without it), holding lock_fd until the turn ends.
 * The supervisor is a child subreaper. It writes its pid file, updates the
 * session's metadata and runs argv with envp in state_dir/work. It appends
 * every event to the session's log and ends it with exactly one `done`.
 * Then it records chat.end in the audit log and kills whatever is left of
 * the turn.
 * argv and envp pass to the supervisor; the caller frees its copies.
 * Return 0 once the supervisor runs, or -1 (the caller still holds lock_fd).
 * Closes lock_fd in this process on success.
 */
int turn_start(const struct turn_request *req, char **argv, char **envp, int lock_fd);

/*
 * Run a turn in this process, as the supervisor does (for tests and tools).
 * Return the CLI's exit status as `done` reports it.
 */
int turn_run(const struct turn_request *req, char **argv, char **envp);

/*
 * Ask the session's running turn to stop: SIGUSR1 to its supervisor, whose
 * pid and start time in turn.pid must match a live process. The supervisor
 * then sends the CLI SIGINT, SIGTERM after BG_TURN_TERM_AFTER_S and SIGKILL
 * after BG_TURN_KILL_AFTER_S. Return 0 when signalled, 1 when no turn runs,
 * -1 on error.
 */
int turn_stop(const char *state_dir, const char *session);

#endif
