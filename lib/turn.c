/* turn.c: one chat turn: builds the CLI's argv and environment, runs it under a detached supervisor that logs its events, and stops it. */
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "audit.h"
#include "eventlog.h"
#include "ids.h"
#include "spawn.h"
#include "translate.h"
#include "turn.h"
#include "utf8.h"
#include "util.h"

#define DEFAULT_PATH	"/usr/local/bin:/usr/bin:/bin"
#define DEFAULT_LANG	"C.UTF-8"
#define ARGV_MAX	32		/* entries of the CLI's argv */
#define PID_FILE_MAX	64		/* bytes of turn.pid */
#define STOP_POLL_MS	20		/* between reads of a starting turn's pid file */
#define LOCK_POLL_MS	5		/* between tries of a briefly held lock */
#define LINE_KEEP_MAX	(1024 * 1024)	/* bytes of line buffer kept between lines */
#define DRAIN_CHUNKS	16		/* reads of one pipe per poll round */

/* The reason a turn ended early. */
enum turn_stop_reason {
	STOP_NONE = 0,
	STOP_ABORTED,		/* DELETE /chat, or a signal to the supervisor */
	STOP_TIMEOUT,		/* turn_timeout ran out */
};

/* The supervisor's state while the CLI runs. */
struct turn_ctx {
	const struct turn_request *req;
	struct eventlog		*log;
	struct translate_state	*tr;
	int			answered;	/* a text or tool event: the model replied */
	int			result_seen;
	int			result_ok;	/* `ok` of the last result event */
	int			log_failed;
	int			lines;		/* stdout lines read */

	char			*line;		/* the stdout line being read */
	size_t			len, cap;
	int			skipping;	/* the line passed BG_STREAM_LINE_MAX */

	char			err_last[BG_EVENT_MESSAGE_MAX + 1];	/* last stderr line */
	char			err_cur[BG_EVENT_MESSAGE_MAX + 1];
	size_t			err_len;
};

static void
pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
vec_push(char **v, size_t *n, const char *s)
{
	if (s == NULL || *n >= ARGV_MAX)
		return -1;
	v[*n] = strdup(s);
	if (v[*n] == NULL)
		return -1;
	(*n)++;
	return 0;
}

void
turn_free_vector(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

char **
turn_build_argv(const struct config *cfg, const struct agent *agent,
    const char *session, const char *cli_session, const char *message)
{
	char tools[BG_AGENT_TOOLS_MAX * (BG_AGENT_NAME_MAX + 1)], turns[16];
	char **v, *agents = NULL;
	size_t n = 0;
	int ok = 0;

	v = calloc(ARGV_MAX + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	if (!ids_valid(session) || (cli_session != NULL && cli_session[0] != '\0' && !ids_valid(cli_session))) {
		fprintf(stderr, "breakglass: turn_build_argv: invalid session id\n");
		goto done;
	}
	if (agent_tools_list(agent, tools, sizeof(tools)) == -1 ||
	    (size_t)snprintf(turns, sizeof(turns), "%d", cfg->max_turns) >= sizeof(turns) ||
	    (agents = agent_json(agent)) == NULL)
		goto done;

	if (vec_push(v, &n, cfg->claude_bin) == -1 || vec_push(v, &n, "-p") == -1 ||
	    vec_push(v, &n, "--output-format") == -1 || vec_push(v, &n, "stream-json") == -1 ||
	    vec_push(v, &n, "--verbose") == -1 || vec_push(v, &n, "--include-partial-messages") == -1)
		goto done;

	/* Our id names the CLI's session on the first turn; later turns resume
	 * the id the CLI itself reported, which older CLIs change. */
	if (cli_session != NULL && cli_session[0] != '\0') {
		if (vec_push(v, &n, "--resume") == -1 || vec_push(v, &n, cli_session) == -1)
			goto done;
	} else if (vec_push(v, &n, "--session-id") == -1 || vec_push(v, &n, session) == -1)
		goto done;

	if (vec_push(v, &n, "--agents") == -1 || vec_push(v, &n, agents) == -1 ||
	    vec_push(v, &n, "--agent") == -1 || vec_push(v, &n, agent->name) == -1 ||
	    vec_push(v, &n, "--tools") == -1 || vec_push(v, &n, tools) == -1 ||
	    vec_push(v, &n, "--allowedTools") == -1 || vec_push(v, &n, tools) == -1 ||
	    vec_push(v, &n, "--max-turns") == -1 || vec_push(v, &n, turns) == -1)
		goto done;
	if (cfg->model[0] != '\0' &&
	    (vec_push(v, &n, "--model") == -1 || vec_push(v, &n, cfg->model) == -1))
		goto done;

	/* "--" ends the options: a message starting with "-" stays a message. */
	if (vec_push(v, &n, "--") == -1 || vec_push(v, &n, message) == -1)
		goto done;
	ok = 1;
done:
	free(agents);
	if (!ok) {
		turn_free_vector(v);
		return NULL;
	}
	return v;
}

static int
env_push(char **v, size_t *n, size_t max, const char *name, const char *value)
{
	size_t i, namelen = strlen(name), size;

	if (value == NULL)
		return 0;
	for (i = 0; i < *n; i++)
		if (strncmp(v[i], name, namelen) == 0 && v[i][namelen] == '=')
			return 0;
	if (*n >= max)
		return -1;
	size = namelen + strlen(value) + 2;
	v[*n] = malloc(size);
	if (v[*n] == NULL)
		return -1;
	if ((size_t)snprintf(v[*n], size, "%s=%s", name, value) >= size) {
		free(v[*n]);
		v[*n] = NULL;
		return -1;
	}
	(*n)++;
	return 0;
}

char **
turn_build_env(const struct config *cfg)
{
	const size_t max = 4 + BG_AGENT_ENV_MAX;
	const char *home = getenv("HOME");
	struct passwd *pw;
	char **v;
	size_t n = 0, i;

	v = calloc(max + 1, sizeof(*v));
	if (v == NULL)
		return NULL;

	/* lighttpd gives a CGI no HOME; the CLI keeps its sessions under it. */
	if (home == NULL || home[0] == '\0') {
		pw = getpwuid(getuid());
		home = (pw != NULL && pw->pw_dir[0] != '\0') ? pw->pw_dir : cfg->state_dir;
	}
	if (env_push(v, &n, max, "PATH", getenv("PATH") != NULL ? getenv("PATH") : DEFAULT_PATH) == -1 ||
	    env_push(v, &n, max, "HOME", home) == -1 ||
	    env_push(v, &n, max, "LANG", getenv("LANG") != NULL ? getenv("LANG") : DEFAULT_LANG) == -1 ||
	    env_push(v, &n, max, "SSH_AUTH_SOCK", getenv("SSH_AUTH_SOCK")) == -1)
		goto fail;
	for (i = 0; i < cfg->nagent_env; i++)
		if (env_push(v, &n, max, cfg->agent_env[i], getenv(cfg->agent_env[i])) == -1)
			goto fail;
	return v;
fail:
	turn_free_vector(v);
	return NULL;
}

static int
session_file(const char *state_dir, const char *session, const char *name,
    char *out, size_t outsz)
{
	char dir[PATH_MAX];

	if (session_dir(state_dir, session, dir, sizeof(dir)) == -1)
		return -1;
	if ((size_t)snprintf(out, outsz, "%s/%s", dir, name) >= outsz)
		return -1;
	return 0;
}

int
turn_lock(const char *state_dir, const char *session)
{
	char path[PATH_MAX];
	int64_t deadline;
	int fd;

	if (session_file(state_dir, session, SESSION_LOCK, path, sizeof(path)) == -1)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		fprintf(stderr, "breakglass: turn_lock: %s: %s\n", path, strerror(errno));
		return -1;
	}

	/* A session_running probe takes LOCK_SH for a moment, so retry briefly
	 * before calling the session busy. A running turn keeps LOCK_EX for
	 * its whole length. */
	deadline = util_now_ms() + BG_TURN_LOCK_RETRY_MS;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			fprintf(stderr, "breakglass: turn_lock: flock %s: %s\n", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (util_now_ms() >= deadline) {
			close(fd);
			return TURN_BUSY;
		}
		pause_ms(LOCK_POLL_MS);
	}
}

/* Append an event; a failure is logged once and the turn goes on. */
static void
log_event(struct turn_ctx *ctx, const char *event, struct json_object *data)
{
	if (ctx->log == NULL)
		return;
	if (eventlog_append(ctx->log, event, data) == -1 && !ctx->log_failed) {
		fprintf(stderr, "breakglass: turn: session %s: event log append failed\n", ctx->req->session);
		ctx->log_failed = 1;
	}
}

static void
log_error(struct turn_ctx *ctx, const char *code, const char *message, int fatal)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "message", json_object_new_string(message));
	json_object_object_add(o, "fatal", json_object_new_boolean(fatal));
	log_event(ctx, "error", o);
	json_object_put(o);
}

static int
emit_event(void *arg, const char *event, struct json_object *data)
{
	struct turn_ctx *ctx = arg;
	struct json_object *ok;

	if (strcmp(event, "text") == 0 || strcmp(event, "tool") == 0)
		ctx->answered = 1;
	if (strcmp(event, "result") == 0) {
		ctx->result_seen = 1;
		ctx->result_ok = json_object_object_get_ex(data, "ok", &ok) && json_object_get_boolean(ok);
	}
	log_event(ctx, event, data);
	return 0;
}

static void
end_line(struct turn_ctx *ctx)
{
	if (ctx->skipping || ctx->len > 0)
		ctx->lines++;
	if (ctx->skipping)
		log_error(ctx, "bad_line", "A line of the CLI's output is longer than 16 MiB and was skipped.", 0);
	else if (ctx->len > 0 &&
	    translate_line(ctx->tr, ctx->line, ctx->len, emit_event, ctx) == -1)
		fprintf(stderr, "breakglass: turn: session %s: translating a line failed\n", ctx->req->session);
	ctx->len = 0;
	ctx->skipping = 0;

	/* After a long line, give its memory back. */
	if (ctx->cap > LINE_KEEP_MAX) {
		free(ctx->line);
		ctx->line = NULL;
		ctx->cap = 0;
	}
}

static void
line_append(struct turn_ctx *ctx, const char *buf, size_t n)
{
	if (ctx->skipping || n == 0)
		return;
	if (n > BG_STREAM_LINE_MAX - ctx->len) {
		ctx->skipping = 1;
		ctx->len = 0;
		return;
	}
	if (ctx->len + n > ctx->cap) {
		size_t cap = ctx->cap > 0 ? ctx->cap : BG_CLI_READ_CHUNK;
		char *p;

		while (cap < ctx->len + n)
			cap *= 2;
		if (cap > BG_STREAM_LINE_MAX)
			cap = BG_STREAM_LINE_MAX;
		p = realloc(ctx->line, cap);
		if (p == NULL) {
			ctx->skipping = 1;
			ctx->len = 0;
			return;
		}
		ctx->line = p;
		ctx->cap = cap;
	}
	memcpy(ctx->line + ctx->len, buf, n);
	ctx->len += n;
}

/* Split the CLI's stdout into lines and translate each whole line. */
static void
feed_stdout(struct turn_ctx *ctx, const char *buf, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t chunk = nl != NULL ? (size_t)(nl - buf) : n;

		line_append(ctx, buf, chunk);
		if (nl == NULL)
			break;
		end_line(ctx);
		buf += chunk + 1;
		n -= chunk + 1;
	}
}

/* Make the line collected in err_cur the last stderr line: invalid UTF-8
 * replaced by U+FFFD, cut on a character boundary to fit err_last. */
static void
keep_stderr_line(struct turn_ctx *ctx)
{
	char repaired[(BG_EVENT_MESSAGE_MAX + 1) * UTF8_REPLACEMENT_LEN];
	size_t n = utf8_repair(repaired, ctx->err_cur, ctx->err_len);

	if (n > sizeof(ctx->err_last) - 1) {
		n = sizeof(ctx->err_last) - 1;
		while (n > 0 && ((unsigned char)repaired[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(ctx->err_last, repaired, n);
	ctx->err_last[n] = '\0';
	ctx->err_len = 0;
}

/* Keep the CLI's last non-empty stderr line; control bytes become '?'. */
static void
feed_stderr(struct turn_ctx *ctx, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n') {
			if (ctx->err_len > 0)
				keep_stderr_line(ctx);
			continue;
		}
		if (ctx->err_len < sizeof(ctx->err_cur) - 1)
			ctx->err_cur[ctx->err_len++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
}

static void
flush_stderr(struct turn_ctx *ctx)
{
	if (ctx->err_len > 0)
		keep_stderr_line(ctx);
}

/* Read what fd has, in at most DRAIN_CHUNKS reads, so that a CLI writing
 * without pause cannot hold off signals and deadlines. Return 0 at EOF,
 * 1 when fd stays open. */
static int
drain_fd(struct turn_ctx *ctx, int fd, int is_stdout)
{
	char buf[BG_CLI_READ_CHUNK];
	int i;

	for (i = 0; i < DRAIN_CHUNKS; i++) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0) {
			if (is_stdout)
				feed_stdout(ctx, buf, (size_t)n);
			else
				feed_stderr(ctx, buf, (size_t)n);
			continue;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 1;
		fprintf(stderr, "breakglass: turn: read: %s\n", strerror(errno));
		return 0;
	}
	return 1;
}

static int
exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/*
 * Run the CLI until it exits and its stdout closes (or BG_TURN_DRAIN_MS
 * after the exit, since a leftover process may hold stdout). Stop it on a
 * signal from turn_stop or when turn_timeout runs out. Return its exit
 * code, or -1 when it is unknown.
 */
static int
supervise(struct turn_ctx *ctx, const struct spawn_child *child, int sigfd,
    enum turn_stop_reason *reason)
{
	const int64_t deadline = util_now_ms() + (int64_t)ctx->req->cfg->turn_timeout * 1000;
	int64_t stop_at = 0, drain_until = 0;
	int stage = 0, exited = 0, out_open = 1, err_open = 1, code = -1;

	*reason = STOP_NONE;
	for (;;) {
		struct pollfd pfd[3];
		struct signalfd_siginfo si;
		int64_t now = util_now_ms(), next;
		int nfds = 0, timeout, out_i = -1, err_i = -1, status;
		pid_t w;

		/* The stop ladder: SIGINT, then SIGTERM, then SIGKILL, to the group. */
		if (!exited && *reason == STOP_NONE && now >= deadline) {
			*reason = STOP_TIMEOUT;
			fprintf(stderr, "breakglass: turn: session %s: timed out after %d s\n",
			    ctx->req->session, ctx->req->cfg->turn_timeout);
		}
		if (!exited && *reason != STOP_NONE) {
			if (stage == 0) {
				stop_at = now;
				kill(-child->pid, SIGINT);
				stage = 1;
			}
			if (stage == 1 && now >= stop_at + BG_TURN_TERM_AFTER_S * 1000) {
				kill(-child->pid, SIGTERM);
				stage = 2;
			}
			if (stage == 2 && now >= stop_at + BG_TURN_KILL_AFTER_S * 1000) {
				kill(-child->pid, SIGKILL);
				stage = 3;
			}
			if (stage == 3 && now >= stop_at + BG_TURN_KILL_AFTER_S * 1000 + BG_TURN_REAP_MS) {
				fprintf(stderr, "breakglass: turn: session %s: the CLI survived SIGKILL\n", ctx->req->session);
				return -1;
			}
		}
		if (exited && (!out_open || now >= drain_until))
			break;

		next = exited ? drain_until : deadline;
		if (*reason != STOP_NONE && !exited)
			next = stage == 1 ? stop_at + BG_TURN_TERM_AFTER_S * 1000 :
			    stop_at + BG_TURN_KILL_AFTER_S * 1000 + (stage == 3 ? BG_TURN_REAP_MS : 0);
		timeout = 0;
		if (next > now)
			timeout = next - now < INT_MAX ? (int)(next - now) : INT_MAX;

		if (out_open) {
			pfd[nfds] = (struct pollfd){ child->out_fd, POLLIN, 0 };
			out_i = nfds++;
		}
		if (err_open) {
			pfd[nfds] = (struct pollfd){ child->err_fd, POLLIN, 0 };
			err_i = nfds++;
		}
		pfd[nfds++] = (struct pollfd){ sigfd, POLLIN, 0 };
		if (poll(pfd, (nfds_t)nfds, timeout) == -1 && errno != EINTR) {
			fprintf(stderr, "breakglass: turn: poll: %s\n", strerror(errno));
			return -1;
		}

		if (out_i >= 0 && pfd[out_i].revents != 0)
			out_open = drain_fd(ctx, child->out_fd, 1);
		if (err_i >= 0 && pfd[err_i].revents != 0)
			err_open = drain_fd(ctx, child->err_fd, 0);

		while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo != SIGCHLD && *reason == STOP_NONE && !exited) {
				*reason = STOP_ABORTED;
				fprintf(stderr, "breakglass: turn: session %s: stop requested\n", ctx->req->session);
			}
		}

		/* Reap the CLI and any orphan handed to this subreaper. */
		while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
			if (w == child->pid) {
				exited = 1;
				code = exit_code(status);
				drain_until = util_now_ms() + BG_TURN_DRAIN_MS;
			}
		}
	}

	if (err_open)
		drain_fd(ctx, child->err_fd, 0);
	flush_stderr(ctx);
	return code;
}

/* Record the supervisor as "<pid> <start time>" so turn_stop can tell it
 * from a process that got its pid later. */
static int
write_pid_file(const struct turn_request *req)
{
	char path[PATH_MAX], text[PID_FILE_MAX];
	long long start = spawn_start_time(getpid());
	int n;

	if (start < 0 || session_file(req->cfg->state_dir, req->session, TURN_PID, path, sizeof(path)) == -1)
		return -1;
	n = snprintf(text, sizeof(text), "%d %lld\n", (int)getpid(), start);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -1;
	return util_write_atomic(path, text, (size_t)n);
}

static void
remove_pid_file(const struct turn_request *req)
{
	char path[PATH_MAX];

	if (session_file(req->cfg->state_dir, req->session, TURN_PID, path, sizeof(path)) == 0)
		unlink(path);
}

/* Count the turn and title the session before the CLI starts. */
static void
meta_begin(const struct turn_request *req)
{
	struct session_meta meta;

	if (session_read(req->cfg->state_dir, req->session, &meta) != 0) {
		fprintf(stderr, "breakglass: turn: session %s: metadata unreadable\n", req->session);
		return;
	}
	if (meta.title[0] == '\0')
		session_set_title(&meta, req->message);
	meta.turns++;
	meta.updated = time(NULL);
	if (session_write(req->cfg->state_dir, &meta) == -1)
		fprintf(stderr, "breakglass: turn: session %s: metadata not written\n", req->session);
}

/* Keep the CLI's session id for the next --resume, once the CLI has a
 * transcript to resume: a turn killed before the model replied has none. */
static void
meta_end(const struct turn_ctx *ctx)
{
	const struct turn_request *req = ctx->req;
	struct session_meta meta;
	const char *cli = translate_cli_session(ctx->tr);

	if (session_read(req->cfg->state_dir, req->session, &meta) != 0) {
		fprintf(stderr, "breakglass: turn: session %s: metadata unreadable\n", req->session);
		return;
	}
	if (cli != NULL && ids_valid(cli) && (ctx->answered || ctx->result_seen))
		util_strlcpy(meta.cli_session, cli, sizeof(meta.cli_session));
	meta.updated = time(NULL);
	if (session_write(req->cfg->state_dir, &meta) == -1)
		fprintf(stderr, "breakglass: turn: session %s: metadata not written\n", req->session);
}

static void
audit_end(const struct turn_request *req, int ok, int code, const char *state, int64_t ms)
{
	struct audit_record rec = {
		.user = req->user, .remote = req->remote, .action = "chat.end",
		.session = req->session, .ok = ok, .exit_status = code,
		.state = state, .duration_ms = ms,
	};

	if (audit_append(req->cfg->state_dir, &rec) == -1)
		fprintf(stderr, "breakglass: turn: session %s: chat.end not audited\n", req->session);
}

/* Return 1 when the CLI refused --session-id at once because it already
 * has a transcript of that id ("Session ID <id> is already in use."). */
static int
session_in_use(const struct turn_ctx *ctx, int code, enum turn_stop_reason reason)
{
	return reason == STOP_NONE && code != 0 && ctx->lines == 0 &&
	    strstr(ctx->err_last, "is already in use") != NULL;
}

/* Turn "--session-id ID" in argv into "--resume ID"; -1 when absent. */
static int
resume_instead(char **argv)
{
	char *flag;
	size_t i;

	for (i = 1; argv[i] != NULL && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--session-id") != 0)
			continue;
		flag = strdup("--resume");
		if (flag == NULL)
			return -1;
		free(argv[i]);
		argv[i] = flag;
		return 0;
	}
	return -1;
}

int
turn_run(const struct turn_request *req, char **argv, char **envp)
{
	struct turn_ctx ctx = { .req = req };
	struct spawn_child child = { -1, -1, -1 };
	enum turn_stop_reason reason = STOP_NONE;
	const int64_t started = util_now_ms();
	const char *state = "done", *path = NULL;
	char work[PATH_MAX], message[BG_EVENT_MESSAGE_MAX + 64];
	struct json_object *done;
	sigset_t mask;
	int sigfd = -1, code = -1, ok = 0, i, attempt;

	/* Orphans of the turn (the CLI's Bash tools run in their own sessions)
	 * become this process's children, so none can outlive the turn.
	 * NOTE: if this process is SIGKILLed, the CLI dies with it
	 * (PR_SET_PDEATHSIG) but orphans already handed to it go to init. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		fprintf(stderr, "breakglass: turn: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		fprintf(stderr, "breakglass: turn: signalfd: %s\n", strerror(errno));
		state = "supervisor_failed";
		goto audit;
	}
	if (write_pid_file(req) == -1)
		fprintf(stderr, "breakglass: turn: session %s: pid file not written; stop cannot reach it\n", req->session);

	ctx.log = eventlog_open(req->cfg->state_dir, req->session);
	ctx.tr = translate_new();
	if (ctx.log == NULL || ctx.tr == NULL) {
		fprintf(stderr, "breakglass: turn: session %s: event log or translator unavailable\n", req->session);
		state = "log_failed";
		goto audit;
	}
	translate_set_resumed(ctx.tr, req->resumed);
	meta_begin(req);

	/* The operator's message opens the turn in the log, so a reload shows
	 * what was asked as well as what the agent did. */
	{
		struct json_object *user = json_object_new_object();

		json_object_object_add(user, "text", json_object_new_string(req->message));
		log_event(&ctx, "user", user);
		json_object_put(user);
	}

	/* The CLI runs in state_dir/work; the folder is made on first use. */
	if ((size_t)snprintf(work, sizeof(work), "%s/%s", req->cfg->state_dir, TURN_WORK) >= sizeof(work) ||
	    (mkdir(work, 0700) == -1 && errno != EEXIST)) {
		fprintf(stderr, "breakglass: turn: %s: %s\n", work, strerror(errno));
		log_error(&ctx, "spawn_failed", "The CLI's working folder state_dir/work could not be made; check state_dir's permissions.", 1);
		state = "spawn_failed";
		goto finish;
	}
	for (i = 0; envp[i] != NULL; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			path = envp[i] + 5;
	for (attempt = 0;; attempt++) {
		if (spawn_start(argv, envp, path != NULL ? path : DEFAULT_PATH, work, &child) == -1) {
			fprintf(stderr, "breakglass: turn: session %s: cannot run %s: %s\n", req->session, argv[0], strerror(errno));
			log_error(&ctx, "spawn_failed", "The Claude Code CLI could not be started; check claude_bin in the configuration.", 1);
			state = "spawn_failed";
			goto finish;
		}
		fcntl(child.out_fd, F_SETFL, O_NONBLOCK);
		fcntl(child.err_fd, F_SETFL, O_NONBLOCK);
		fprintf(stderr, "breakglass: turn: session %s: CLI started, pid %d\n", req->session, (int)child.pid);

		code = supervise(&ctx, &child, sigfd, &reason);
		if (attempt > 0 || !session_in_use(&ctx, code, reason) || resume_instead(argv) == -1)
			break;

		/* An earlier turn was stopped after the CLI made its transcript
		 * but before it reported anything: resume that transcript. */
		fprintf(stderr, "breakglass: turn: session %s: the CLI has this session already; resuming it\n", req->session);
		spawn_kill_all(child.pid, BG_TURN_REAP_MS);
		close(child.out_fd);
		close(child.err_fd);
		child = (struct spawn_child){ -1, -1, -1 };
		ctx.err_last[0] = '\0';
		translate_set_resumed(ctx.tr, 1);
	}

	/* A last line without its newline (a crash mid-write) is still read. */
	if (ctx.len > 0 || ctx.skipping)
		end_line(&ctx);

	if (reason == STOP_ABORTED) {
		log_error(&ctx, "aborted", "The turn was stopped on request.", 1);
		state = "aborted";
	} else if (reason == STOP_TIMEOUT) {
		log_error(&ctx, "timeout", "The turn ran longer than turn_timeout and was stopped.", 1);
		state = "timeout";
	} else if (code != 0 && !translate_saw_result(ctx.tr)) {
		if (ctx.err_last[0] != '\0')
			snprintf(message, sizeof(message), "The Claude Code CLI exited with status %d: %s", code, ctx.err_last);
		else
			snprintf(message, sizeof(message), "The Claude Code CLI exited with status %d and no result.", code);
		log_error(&ctx, "cli_failed", message, 1);
		fprintf(stderr, "breakglass: turn: session %s: CLI exited %d without a result: %s\n",
		    req->session, code, ctx.err_last);
		state = "cli_failed";
	}
	ok = strcmp(state, "done") == 0 && code == 0 && ctx.result_seen && ctx.result_ok;

finish:
	/* Nothing of the turn outlives it, whatever state it ended in. */
	if (child.pid > 0) {
		spawn_kill_all(child.pid, BG_TURN_REAP_MS);
		close(child.out_fd);
		close(child.err_fd);
	}
	done = json_object_new_object();
	json_object_object_add(done, "exit", json_object_new_int(code));
	json_object_object_add(done, "ok", json_object_new_boolean(ok));
	log_event(&ctx, "done", done);
	json_object_put(done);
	meta_end(&ctx);

audit:
	audit_end(req, ok, code, state, util_now_ms() - started);
	fprintf(stderr, "breakglass: turn: session %s: ended %s, exit %d\n", req->session, state, code);
	remove_pid_file(req);
	if (ctx.log != NULL)
		eventlog_close(ctx.log);
	if (ctx.tr != NULL)
		translate_free(ctx.tr);
	free(ctx.line);
	if (sigfd != -1)
		close(sigfd);
	return code;
}

int
turn_start(const struct turn_request *req, char **argv, char **envp, int lock_fd)
{
	pid_t pid, w;
	int status, devnull;

	pid = fork();
	if (pid == -1) {
		fprintf(stderr, "breakglass: turn_start: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* A new session, then a second fork: the supervisor is no child
		 * of the CGI and gets none of the signals lighttpd sends it. */
		if (setsid() == -1)
			_exit(1);
		pid = fork();
		if (pid != 0)
			_exit(pid == -1 ? 1 : 0);

		/* The CGI's stdin and stdout belong to lighttpd's request; stderr
		 * stays: it is lighttpd's error log. */
		devnull = open("/dev/null", O_RDWR);
		if (devnull == -1 || dup2(devnull, STDIN_FILENO) == -1 || dup2(devnull, STDOUT_FILENO) == -1)
			_exit(1);
		if (lock_fd > 3)
			close_range(3, (unsigned)lock_fd - 1, 0);
		close_range((unsigned)lock_fd + 1, ~0U, 0);
		turn_run(req, argv, envp);
		_exit(0);
	}

	while ((w = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		;
	if (w == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "breakglass: turn_start: the supervisor did not start\n");
		return -1;
	}
	close(lock_fd);
	return 0;
}

/* Parse "<pid> <start time>\n". */
static int
read_pid_file(const char *path, pid_t *pid, long long *start)
{
	char *text, *sp, *nl;
	const char *errstr;
	size_t len;
	int rc = -1;

	text = util_read_file(path, PID_FILE_MAX, &len);
	if (text == NULL)
		return -1;
	sp = strchr(text, ' ');
	nl = strchr(text, '\n');
	if (sp == NULL || nl == NULL || nl < sp)
		goto done;
	*sp = '\0';
	*nl = '\0';
	*pid = (pid_t)util_strtonum(text, 2, INT_MAX, &errstr);
	if (errstr != NULL)
		goto done;
	*start = util_strtonum(sp + 1, 0, LLONG_MAX, &errstr);
	if (errstr != NULL)
		goto done;
	rc = 0;
done:
	free(text);
	return rc;
}

int
turn_stop(const char *state_dir, const char *session)
{
	char path[PATH_MAX];
	int64_t deadline = util_now_ms() + BG_STOP_WAIT_MS;
	long long start;
	pid_t pid;
	int running;

	if (session_file(state_dir, session, TURN_PID, path, sizeof(path)) == -1)
		return -1;

	/* A turn that just took the lock may not have written its pid yet. */
	for (;;) {
		running = session_running(state_dir, session);
		if (running != 1)
			return running == 0 ? 1 : -1;
		if (read_pid_file(path, &pid, &start) == 0 && spawn_start_time(pid) == start) {
			if (kill(pid, SIGUSR1) == 0)
				return 0;
			fprintf(stderr, "breakglass: turn_stop: kill %d: %s\n", (int)pid, strerror(errno));
			return -1;
		}
		if (util_now_ms() >= deadline) {
			fprintf(stderr, "breakglass: turn_stop: session %s: no valid pid file\n", session);
			return -1;
		}
		pause_ms(STOP_POLL_MS);
	}
}
