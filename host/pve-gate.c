/* pve-gate.c: the forced command on the Proxmox host that maps one whitelisted verb to fixed qm calls. */
/*
 * Installed as /usr/local/sbin/breakglass-pve-gate and named in root's
 * authorized_keys:
 *
 *   restrict,command="/usr/local/sbin/breakglass-pve-gate --vmid 102" ssh-ed25519 ...
 *
 * The client's command arrives in SSH_ORIGINAL_COMMAND and must equal one
 * verb of lib/verb.c; the VM id comes only from --vmid. Every exit path
 * prints as the last line on stdout (unless the gate itself is killed)
 *
 *   breakglass-gate: verb=<v> exit=<n> state=<s>
 *
 * and the exit status is <n>:
 *   0    the goal state was observed (read-only verbs: the status was read)
 *   1    the verb ran but the goal state was not observed, or qm failed
 *   64   usage: the gate's own argv in authorized_keys is wrong
 *   70   internal error (fork, pipe)
 *   75   another mutating verb holds the host-wide lock
 *   77   refused: no command, or not a whitelisted verb
 *   124  qm did not finish within its timeout and was killed
 *
 * --qm, --pvenode, --journalctl, --lock-dir and --timeout-max exist so the
 * tests can use stand-ins; authorized_keys fixes them, never the client.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "bounds.h"
#include "pvestatus.h"
#include "util.h"
#include "verb.h"

#define PROGRAM			"breakglass-pve-gate"
#define DEFAULT_QM		"/usr/sbin/qm"
#define DEFAULT_PVENODE		"/usr/bin/pvenode"
#define DEFAULT_JOURNALCTL	"/usr/bin/journalctl"
/* Root's own /run, not the world-writable /run/lock, where any local user
 * could create the lock file first and hold it. */
#define DEFAULT_LOCK_DIR	"/run"
#define LOCK_NAME		"breakglass-pve-gate.lock"
#define VMID_MIN		100		/* Proxmox's VM id range */
#define VMID_MAX		999999999
#define VMID_DIGITS		16
#define LOG_COMMAND_MAX		64		/* bytes of a refused command logged */
#define JOURNAL_LINES		"100"
#define JOURNAL_SINCE		"-6h"
#define TASK_LIMIT		"20"
#define WAIT_SLICE_MS		100		/* poll slice while a child runs */

enum {
	EXIT_GOAL = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 64,
	EXIT_INTERNAL = 70,
	EXIT_BUSY = 75,
	EXIT_REFUSED = 77,
	EXIT_TIMEOUT = 124
};

struct gate {
	int		vmid;
	char		vmid_text[VMID_DIGITS];
	const char	*qm;
	const char	*pvenode;
	const char	*journalctl;
	const char	*lock_dir;
	int		timeout_max;	/* seconds; 0: the built-in timeouts */
	char		client[64];	/* from SSH_CONNECTION, for the log */
};

/* The output and status of one child run. */
struct capture {
	char	buf[BG_GATE_CAPTURE_MAX];
	size_t	len;
	int	status;		/* exit code, 128+signal, or EXIT_TIMEOUT */
};

/* The child's whole environment: qm needs no more. */
static char *const clean_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	"LC_ALL=C",
	NULL
};

/* Write a formatted line to stderr with the program's prefix. */
static void
say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n, m;

	m = snprintf(line, sizeof(line), "%s: ", "breakglass-gate");
	if (m < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line + m, sizeof(line) - (size_t)m - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)util_write_all(STDERR_FILENO, line, (size_t)n);
}

/* Write to stdout, ignoring a closed connection: the verb goes on. */
static void
out(const char *s, size_t len)
{
	(void)util_write_all(STDOUT_FILENO, s, len);
}

static void
out_str(const char *s)
{
	out(s, strlen(s));
}

/* Print the result line, log it, and exit with its status. */
static void __attribute__((noreturn))
finish(const struct gate *g, const char *verb, int status, const char *state,
    int64_t started_ms)
{
	char line[BG_GATE_LINE_MAX];

	if (pvestatus_format_result(line, sizeof(line), verb, status, state) == 0)
		out_str(line);
	syslog(LOG_NOTICE, "done verb=%s vmid=%d exit=%d state=%s duration_ms=%lld client=%s",
	    verb, g->vmid, status, state,
	    (long long)(util_now_ms() - started_ms), g->client);
	closelog();
	exit(status);
}

/* Copy s into out with anything but printable ASCII as \xNN, for a log line. */
static void
escape_for_log(const char *s, size_t len, char *outbuf, size_t outsz)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < outsz; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			outbuf[o++] = (char)c;
		} else {
			int n = snprintf(outbuf + o, outsz - o, "\\x%02x", c);

			if (n < 0 || (size_t)n >= outsz - o)
				break;
			o += (size_t)n;
		}
	}
	outbuf[o] = '\0';
}

/* Take "client-ip client-port" from SSH_CONNECTION for the log. */
static void
read_client(struct gate *g)
{
	const char *conn = getenv("SSH_CONNECTION");
	size_t i, spaces = 0, len;

	util_strlcpy(g->client, "-", sizeof(g->client));
	if (conn == NULL)
		return;
	/* One byte is kept for the terminating NUL. */
	len = strnlen(conn, sizeof(g->client) - 1);
	for (i = 0; i < len; i++) {
		char c = conn[i];

		if (c == ' ' && ++spaces == 2)
			break;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F') || c == '.' || c == ':' || c == ' '))
			return;
	}
	memcpy(g->client, conn, i);
	g->client[i] = '\0';
	for (i = 0; g->client[i] != '\0'; i++)
		if (g->client[i] == ' ')
			g->client[i] = ':';
}

/* Keep fds 0-2 open so a pipe or file opened later cannot become one. */
static void
sanitize_fds(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
			int nfd = open("/dev/null", O_RDWR);

			if (nfd == -1)
				_exit(EXIT_INTERNAL);
			if (nfd != fd) {
				dup2(nfd, fd);
				close(nfd);
			}
		}
	}
}

static int
timeout_for(const struct gate *g, int seconds)
{
	if (g->timeout_max > 0 && seconds > g->timeout_max)
		return g->timeout_max;
	return seconds;
}

/* In the child: set up stdio and run path with argv; never returns. */
static void __attribute__((noreturn))
child_exec(const char *path, char *const argv[], int in_fd, int out_fd, int err_fd)
{
	struct sigaction sa;

	/* Its own process group, so a timeout reaches everything it forks.
	 * SIGHUP stays ignored: a dropped SSH connection must not stop qm. */
	setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);

	if (dup2(in_fd, STDIN_FILENO) == -1 || dup2(out_fd, STDOUT_FILENO) == -1 ||
	    dup2(err_fd, STDERR_FILENO) == -1)
		_exit(126);
	execve(path, argv, clean_env);
	say("exec %s failed: %s", path, strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Read what is ready on *fd; relay it to relay_fd (-1: none) and keep up to
 * the capture's size. Close *fd at EOF or error. */
static void
drain(int *fd, int relay_fd, struct capture *cap)
{
	char buf[4096];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return;
	}
	if (relay_fd != -1)
		(void)util_write_all(relay_fd, buf, (size_t)n);
	if (cap != NULL && cap->len < sizeof(cap->buf)) {
		size_t room = sizeof(cap->buf) - cap->len;
		size_t take = (size_t)n < room ? (size_t)n : room;

		memcpy(cap->buf + cap->len, buf, take);
		cap->len += take;
	}
}

/* Wait for the child and its pipes: kill its group at the deadline
 * (SIGTERM, then SIGKILL after a grace period) and return its status. */
static int
supervise(pid_t pid, int *out_fd, int *err_fd, int relay_out, int relay_err,
    int merge_into_capture, struct capture *cap, int64_t deadline)
{
	int64_t kill_at = -1, give_up_at = -1, drain_until = -1;
	int reaped = 0, status = 0, timed_out = 0, idle_ms = 1;

	for (;;) {
		struct pollfd pfd[2];
		nfds_t n = 0;
		int64_t now = util_now_ms();
		int wait_ms = WAIT_SLICE_MS;

		if (!reaped) {
			pid_t r = waitpid(pid, &status, WNOHANG);

			if (r == pid) {
				reaped = 1;
				drain_until = now + WAIT_SLICE_MS;
			}
		}
		if (reaped && *out_fd == -1 && *err_fd == -1)
			break;

		if (!reaped && !timed_out && now >= deadline) {
			timed_out = 1;
			kill(-pid, SIGTERM);
			kill_at = now + BG_GATE_KILL_GRACE_MS;
		}
		if (timed_out && kill_at != -1 && now >= kill_at) {
			kill(-pid, SIGKILL);
			kill_at = -1;
			give_up_at = now + BG_GATE_KILL_GRACE_MS;
		}
		if (give_up_at != -1 && now >= give_up_at) {
			/* XXX: a child stuck in the kernel (D state) survives
			 * SIGKILL; it is left behind rather than hang the gate. */
			say("child %d did not exit after SIGKILL; leaving it", (int)pid);
			break;
		}

		if (*out_fd != -1) {
			pfd[n].fd = *out_fd;
			pfd[n++].events = POLLIN;
		}
		if (*err_fd != -1) {
			pfd[n].fd = *err_fd;
			pfd[n++].events = POLLIN;
		}
		/* A descendant (a daemonized QEMU) may hold the pipes after qm
		 * exited: take what is there now, then stop reading. */
		if (reaped)
			wait_ms = 0;
		if (n == 0) {
			/* Both pipes hit EOF, so qm is most likely exiting:
			 * check again after 1 ms, backing off to a whole slice
			 * for a child that closed its pipes and runs on. */
			poll(NULL, 0, reaped ? 0 : idle_ms);
			if (idle_ms < WAIT_SLICE_MS)
				idle_ms *= 2;
			continue;
		}
		int ready = poll(pfd, n, wait_ms);

		/* After qm exited: stop at the first quiet moment, or after one
		 * slice when a descendant keeps writing. */
		if (reaped && (ready == 0 || now >= drain_until)) {
			if (*out_fd != -1)
				close(*out_fd);
			if (*err_fd != -1)
				close(*err_fd);
			*out_fd = *err_fd = -1;
			break;
		}
		if (ready <= 0)
			continue;
		for (nfds_t i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (pfd[i].fd == *out_fd)
				drain(out_fd, relay_out, cap);
			else
				drain(err_fd, relay_err, merge_into_capture ? cap : NULL);
		}
	}

	if (timed_out)
		return EXIT_TIMEOUT;
	if (!reaped)
		return EXIT_TIMEOUT;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_FAILED;
}

/*
 * Run path with argv, stdin from `input` (NULL: /dev/null), within
 * timeout_s seconds. stdout is relayed to the gate's stdout when relay is
 * set; stderr always goes to the gate's stderr (or stdout with merge, for
 * forensics sections). Both are kept in cap. Return the child's status.
 */
static int
run_step(const char *path, char *const argv[], int timeout_s, const char *input,
    int relay, int merge, struct capture *cap)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, inp[2] = { -1, -1 };
	int in_fd = -1, rc = EXIT_INTERNAL;
	const char *errstr = NULL;
	pid_t pid;

	cap->len = 0;
	cap->status = EXIT_INTERNAL;

	if (pipe2(outp, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1) {
		errstr = "pipe";
		goto fail;
	}
	if (input != NULL) {
		if (pipe2(inp, O_CLOEXEC) == -1) {
			errstr = "pipe";
			goto fail;
		}
		in_fd = inp[0];
	} else {
		in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (in_fd == -1) {
			errstr = "open /dev/null";
			goto fail;
		}
	}

	pid = fork();
	if (pid == -1) {
		errstr = "fork";
		goto fail;
	}
	if (pid == 0)
		child_exec(path, argv, in_fd, outp[1], errp[1]);
	setpgid(pid, pid);

	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	if (input != NULL) {
		/* The only input is "info status\n", far below PIPE_BUF, so
		 * this write cannot block. */
		(void)util_write_all(inp[1], input, strlen(input));
		close(inp[1]);
		inp[1] = -1;
	}

	rc = supervise(pid, &outp[0], &errp[0],
	    relay ? STDOUT_FILENO : -1, merge ? STDOUT_FILENO : STDERR_FILENO,
	    merge, cap, util_now_ms() + (int64_t)timeout_s * 1000);
	cap->status = rc;

fail:
	if (errstr != NULL)
		say("run %s: %s failed: %s", path, errstr, strerror(errno));
	for (int i = 0; i < 2; i++) {
		if (outp[i] != -1)
			close(outp[i]);
		if (errp[i] != -1)
			close(errp[i]);
		if (inp[i] != -1 && inp[i] != in_fd)
			close(inp[i]);
	}
	if (in_fd != -1)
		close(in_fd);
	return rc;
}

/* Run `qm <sub> <vmid> [extra...]`; up to 3 extra arguments. */
static int
run_qm(const struct gate *g, const char *sub, const char *x1, const char *x2,
    int timeout_s, int relay, struct capture *cap)
{
	char *argv[] = { (char *)"qm", (char *)sub, (char *)g->vmid_text,
	    (char *)x1, (char *)x2, NULL };

	return run_step(g->qm, argv, timeout_for(g, timeout_s), NULL, relay, 0, cap);
}

/* Read the VM's state with `qm status <vmid>` into state ("unknown" when
 * it cannot be read). Return qm's status. */
static int
read_state(const struct gate *g, int relay, char *state, size_t statesz,
    struct capture *cap)
{
	struct pvestatus st;
	int rc;

	rc = run_qm(g, "status", NULL, NULL, BG_GATE_STATUS_TIMEOUT, relay, cap);
	if (rc == 0 && pvestatus_parse(cap->buf, cap->len, &st) == 0)
		util_strlcpy(state, st.state, statesz);
	else
		util_strlcpy(state, PVESTATUS_UNKNOWN, statesz);
	return rc;
}

static int
do_status(const struct gate *g, char *state, size_t statesz, struct capture *cap)
{
	struct pvestatus st;
	int rc;

	rc = run_qm(g, "status", "--verbose", NULL, BG_GATE_STATUS_TIMEOUT, 1, cap);
	if (rc == 0 && pvestatus_parse(cap->buf, cap->len, &st) == 0) {
		util_strlcpy(state, st.state, statesz);
		return EXIT_GOAL;
	}
	util_strlcpy(state, PVESTATUS_UNKNOWN, statesz);
	return rc == EXIT_TIMEOUT ? EXIT_TIMEOUT : EXIT_FAILED;
}

/* One labelled forensics section; its failure is reported in the section
 * and does not stop the next one. */
static void
forensics_step(const struct gate *g, const char *label, const char *path,
    char *const argv[], const char *input, struct capture *cap)
{
	char head[PATH_MAX + 256];
	const char *outcome;
	int64_t t0 = util_now_ms();
	size_t used = 0;
	int n, rc;

	/* The header names the command as run, with the absolute path; when
	 * it does not fit, the label alone. */
	n = snprintf(head, sizeof(head), "=== %s: %s", label, path);
	if (n > 0 && (size_t)n < sizeof(head))
		used = (size_t)n;
	for (size_t i = 1; used > 0 && argv[i] != NULL; i++) {
		n = snprintf(head + used, sizeof(head) - used, " %s", argv[i]);
		if (n < 0 || (size_t)n >= sizeof(head) - used)
			used = 0;
		else
			used += (size_t)n;
	}
	if (used == 0) {
		out_str("=== ");
		out_str(label);
	} else
		out(head, used);
	out_str("\n");
	rc = run_step(path, argv, timeout_for(g, BG_GATE_STEP_TIMEOUT), input, 1, 1, cap);
	if (cap->len > 0 && cap->buf[cap->len - 1] != '\n')
		out_str("\n");
	if (rc == 0)
		outcome = "ok";
	else if (rc == EXIT_TIMEOUT)
		outcome = "timed out";
	else
		outcome = "failed";
	n = snprintf(head, sizeof(head), "=== %s: %s (exit %d, %lld ms)\n\n", label,
	    outcome, rc, (long long)(util_now_ms() - t0));
	if (n > 0 && (size_t)n < sizeof(head))
		out(head, (size_t)n);
}

static int
do_forensics(const struct gate *g, char *state, size_t statesz, struct capture *cap)
{
	struct pvestatus st;
	int have_state = 0;
	const char *v = g->vmid_text;
	char grep[64];
	int n;

	/* Only the VM's own id, as a whole number, in the journal. */
	n = snprintf(grep, sizeof(grep), "\\b%s\\b", v);
	if (n < 0 || (size_t)n >= sizeof(grep))
		return EXIT_INTERNAL;

	{
		char *argv[] = { "qm", "status", (char *)v, "--verbose", NULL };

		forensics_step(g, "status", g->qm, argv, NULL, cap);
		if (cap->status == 0 && pvestatus_parse(cap->buf, cap->len, &st) == 0)
			have_state = 1;
	}
	{
		char *argv[] = { "qm", "config", (char *)v, "--current", NULL };

		forensics_step(g, "config", g->qm, argv, NULL, cap);
	}
	{
		char *argv[] = { "qm", "pending", (char *)v, NULL };

		forensics_step(g, "pending", g->qm, argv, NULL, cap);
	}
	{
		char *argv[] = { "pvenode", "task", "list", "--vmid", (char *)v,
		    "--limit", TASK_LIMIT, NULL };

		forensics_step(g, "tasks", g->pvenode, argv, NULL, cap);
	}
	{
		char *argv[] = { "qm", "monitor", (char *)v, NULL };

		forensics_step(g, "monitor", g->qm, argv, "info status\n", cap);
	}
	{
		char *argv[] = { "qm", "guest", "cmd", (char *)v, "ping", NULL };

		forensics_step(g, "agent", g->qm, argv, NULL, cap);
	}
	{
		char *argv[] = { "journalctl", "--no-pager", "--output=short-iso",
		    "--lines=" JOURNAL_LINES, "--since=" JOURNAL_SINCE,
		    "--grep", grep, NULL };

		forensics_step(g, "journal", g->journalctl, argv, NULL, cap);
	}

	if (!have_state) {
		util_strlcpy(state, PVESTATUS_UNKNOWN, statesz);
		return EXIT_FAILED;
	}
	util_strlcpy(state, st.state, statesz);
	return EXIT_GOAL;
}

/* Poll the state until it equals want or wait_s passes; return 1 when seen. */
static int
wait_for_state(const struct gate *g, const char *want, int wait_s, char *state,
    size_t statesz, struct capture *cap)
{
	int64_t deadline = util_now_ms() + (int64_t)timeout_for(g, wait_s) * 1000;

	for (;;) {
		(void)read_state(g, 0, state, statesz, cap);
		if (strcmp(state, want) == 0)
			return 1;
		if (util_now_ms() >= deadline)
			return 0;
		poll(NULL, 0, BG_GATE_POLL_MS);
	}
}

/* Start, stop, reset and cycle: run, then read the state again. */
static int
do_mutating(const struct gate *g, const struct verb *v, char *state,
    size_t statesz, struct capture *cap)
{
	int rc;

	switch (v->id) {
	case VERB_START:
		rc = run_qm(g, "start", NULL, NULL, BG_GATE_START_TIMEOUT, 1, cap);
		break;
	case VERB_STOP:
		rc = run_qm(g, "stop", "--overrule-shutdown", "1",
		    BG_GATE_STOP_TIMEOUT, 1, cap);
		break;
	case VERB_RESET:
		rc = run_qm(g, "reset", NULL, NULL, BG_GATE_RESET_TIMEOUT, 1, cap);
		break;
	case VERB_CYCLE:
		rc = run_qm(g, "stop", "--overrule-shutdown", "1",
		    BG_GATE_STOP_TIMEOUT, 1, cap);
		if (!wait_for_state(g, "stopped", BG_GATE_STOPPED_WAIT, state,
		    statesz, cap)) {
			say("cycle: the VM did not reach \"stopped\"; not starting it");
			out_str("status: ");
			out_str(state);
			out_str("\n");
			return rc == EXIT_TIMEOUT ? EXIT_TIMEOUT : EXIT_FAILED;
		}
		rc = run_qm(g, "start", NULL, NULL, BG_GATE_START_TIMEOUT, 1, cap);
		break;
	default:
		return EXIT_INTERNAL;
	}

	(void)read_state(g, 1, state, statesz, cap);
	if (strcmp(state, v->goal) != 0)
		return rc == EXIT_TIMEOUT ? EXIT_TIMEOUT : EXIT_FAILED;

	/* "VM is already running" still fulfils start, and an already
	 * stopped VM fulfils stop; a reset that qm refused did not happen. */
	if (v->id == VERB_RESET && rc != 0)
		return rc == EXIT_TIMEOUT ? EXIT_TIMEOUT : EXIT_FAILED;
	return EXIT_GOAL;
}

/* Take the host-wide lock for mutating verbs; return its fd, -1 when busy,
 * -2 on error. */
static int
take_lock(const struct gate *g)
{
	char path[PATH_MAX];
	int fd, n;

	n = snprintf(path, sizeof(path), "%s/%s", g->lock_dir, LOCK_NAME);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -2;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		say("lock %s: %s", path, strerror(errno));
		return -2;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		int busy = errno == EWOULDBLOCK;

		if (!busy)
			say("flock %s: %s", path, strerror(errno));
		close(fd);
		return busy ? -1 : -2;
	}
	return fd;
}

static void __attribute__((noreturn))
usage(const struct gate *g, int64_t t0, const char *why)
{
	say("usage: %s --vmid N [--qm PATH] [--pvenode PATH] [--journalctl PATH] "
	    "[--lock-dir DIR] [--timeout-max SECONDS]: %s", PROGRAM, why);
	syslog(LOG_ERR, "bad gate arguments in authorized_keys: %s", why);
	finish(g, PVESTATUS_NO_VERB, EXIT_USAGE, PVESTATUS_UNKNOWN, t0);
}

/* Parse argv strictly: each option once, absolute paths, a numeric VM id. */
static void
parse_args(struct gate *g, int argc, char **argv, int64_t t0)
{
	const char *errstr;
	int i;

	g->vmid = 0;
	g->qm = g->pvenode = g->journalctl = g->lock_dir = NULL;
	g->timeout_max = -1;

	for (i = 1; i < argc; i++) {
		const char *opt = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		const char **path = NULL;

		if (val == NULL)
			usage(g, t0, "an option is missing its value");
		if (strcmp(opt, "--vmid") == 0) {
			if (g->vmid != 0)
				usage(g, t0, "--vmid given twice");
			g->vmid = (int)util_strtonum(val, VMID_MIN, VMID_MAX, &errstr);
			if (errstr != NULL)
				usage(g, t0, "--vmid must be a number from 100 to 999999999");
		} else if (strcmp(opt, "--timeout-max") == 0) {
			if (g->timeout_max != -1)
				usage(g, t0, "--timeout-max given twice");
			g->timeout_max = (int)util_strtonum(val, 1, BG_TIMEOUT_MAX, &errstr);
			if (errstr != NULL)
				usage(g, t0, "--timeout-max must be a number of seconds");
		} else {
			if (strcmp(opt, "--qm") == 0)
				path = &g->qm;
			else if (strcmp(opt, "--pvenode") == 0)
				path = &g->pvenode;
			else if (strcmp(opt, "--journalctl") == 0)
				path = &g->journalctl;
			else if (strcmp(opt, "--lock-dir") == 0)
				path = &g->lock_dir;
			else
				usage(g, t0, "unknown option");
			if (*path != NULL)
				usage(g, t0, "an option was given twice");
			if (val[0] != '/')
				usage(g, t0, "paths must be absolute");
			*path = val;
		}
		i++;
	}

	if (g->vmid == 0)
		usage(g, t0, "--vmid is required");
	if (g->timeout_max == -1)
		g->timeout_max = 0;
	if (g->qm == NULL)
		g->qm = DEFAULT_QM;
	if (g->pvenode == NULL)
		g->pvenode = DEFAULT_PVENODE;
	if (g->journalctl == NULL)
		g->journalctl = DEFAULT_JOURNALCTL;
	if (g->lock_dir == NULL)
		g->lock_dir = DEFAULT_LOCK_DIR;
	(void)snprintf(g->vmid_text, sizeof(g->vmid_text), "%d", g->vmid);
}

int
main(int argc, char **argv)
{
	static struct capture cap;
	struct gate g;
	struct sigaction sa;
	const struct verb *v;
	const char *cmd;
	char state[BG_PVE_STATE_MAX + 1] = PVESTATUS_UNKNOWN;
	int64_t t0 = util_now_ms();
	int rc, lock_fd = -1;

	sanitize_fds();

	/* A dropped connection closes our stdout and may send SIGHUP: the
	 * verb, a cycle above all, must run to its end regardless. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);

	openlog(PROGRAM, LOG_PID, LOG_AUTHPRIV);
	memset(&g, 0, sizeof(g));
	read_client(&g);
	parse_args(&g, argc, argv, t0);

	cmd = getenv("SSH_ORIGINAL_COMMAND");
	if (cmd == NULL) {
		say("refused: no command given (a shell was requested); "
		    "send one of status, forensics, start, stop, reset, cycle");
		syslog(LOG_WARNING, "refused: no command (shell requested) vmid=%d client=%s",
		    g.vmid, g.client);
		finish(&g, PVESTATUS_NO_VERB, EXIT_REFUSED, PVESTATUS_UNKNOWN, t0);
	}
	v = verb_lookup(cmd);
	if (v == NULL) {
		char shown[LOG_COMMAND_MAX * 4 + 1];
		size_t len = strnlen(cmd, LOG_COMMAND_MAX);

		escape_for_log(cmd, len, shown, sizeof(shown));
		say("refused: not an allowed verb; send one of status, forensics, "
		    "start, stop, reset, cycle");
		syslog(LOG_WARNING, "refused command \"%s\"%s vmid=%d client=%s",
		    shown, strlen(cmd) > len ? "..." : "", g.vmid, g.client);
		finish(&g, PVESTATUS_NO_VERB, EXIT_REFUSED, PVESTATUS_UNKNOWN, t0);
	}

	if (v->mutating) {
		lock_fd = take_lock(&g);
		if (lock_fd == -1) {
			say("busy: another power verb is running on this host; try again when it ends");
			syslog(LOG_WARNING, "busy verb=%s vmid=%d client=%s", v->name,
			    g.vmid, g.client);
			finish(&g, v->name, EXIT_BUSY, PVESTATUS_UNKNOWN, t0);
		}
		if (lock_fd == -2)
			finish(&g, v->name, EXIT_INTERNAL, PVESTATUS_UNKNOWN, t0);
	}

	syslog(LOG_NOTICE, "run verb=%s vmid=%d client=%s", v->name, g.vmid, g.client);
	switch (v->id) {
	case VERB_STATUS:
		rc = do_status(&g, state, sizeof(state), &cap);
		break;
	case VERB_FORENSICS:
		rc = do_forensics(&g, state, sizeof(state), &cap);
		break;
	default:
		rc = do_mutating(&g, v, state, sizeof(state), &cap);
		break;
	}

	/* The lock fd is released by exit. */
	finish(&g, v->name, rc, state, t0);
}
