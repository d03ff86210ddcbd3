/* spawn.c: starts the CLI in its own process group with pipes and an allow-listed environment, and kills what a turn leaves. */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"
#include "util.h"

#define STAT_MAX	1024	/* bytes of /proc/<pid>/stat read */
#define STAT_PPID	1	/* fields after the command name: state, ppid, ... */
#define STAT_STARTTIME	19	/* ... and field 22 of proc(5), the start time */
#define KILL_PAUSE_MS	5	/* between rounds of killing and reaping */

int
spawn_resolve(const char *file, const char *path, char *out, size_t outsz)
{
	const char *p = path, *colon;
	struct stat st;

	if (file[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	if (strchr(file, '/') != NULL) {
		if (util_strlcpy(out, file, outsz) >= outsz) {
			errno = ENAMETOOLONG;
			return -1;
		}
		return 0;
	}
	for (; p != NULL && *p != '\0'; p = colon != NULL ? colon + 1 : NULL) {
		int n;
		size_t dirlen;

		colon = strchr(p, ':');
		dirlen = colon != NULL ? (size_t)(colon - p) : strlen(p);
		/* An empty entry would mean the working directory: skipped. */
		if (dirlen == 0)
			continue;
		n = snprintf(out, outsz, "%.*s/%s", (int)dirlen, p, file);
		if (n < 0 || (size_t)n >= outsz)
			continue;
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
	}
	errno = ENOENT;
	return -1;
}

static void
child_exec(const char *file, char *const argv[], char *const envp[], const char *cwd,
    int out_w, int err_w, int status_w, pid_t parent)
{
	sigset_t none;
	int sig, devnull, e;

	/* Should the supervisor die (even by SIGKILL), the CLI dies with it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(127);

	/* The supervisor blocks and catches signals; the CLI starts clean. */
	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);

	devnull = open("/dev/null", O_RDONLY);
	if (devnull == -1 || dup2(devnull, STDIN_FILENO) == -1 ||
	    dup2(out_w, STDOUT_FILENO) == -1 || dup2(err_w, STDERR_FILENO) == -1 ||
	    chdir(cwd) == -1)
		goto fail;
	execve(file, argv, envp);
fail:
	e = errno;
	if (write(status_w, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

int
spawn_start(char *const argv[], char *const envp[], const char *path,
    const char *cwd, struct spawn_child *child)
{
	char file[PATH_MAX];
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, status[2] = { -1, -1 };
	int e = 0, child_errno = 0;
	ssize_t n;
	pid_t pid, parent;

	child->pid = -1;
	child->out_fd = child->err_fd = -1;
	if (spawn_resolve(argv[0], path, file, sizeof(file)) == -1) {
		e = errno;
		goto fail;
	}
	if (pipe2(out, O_CLOEXEC) == -1 || pipe2(err, O_CLOEXEC) == -1 ||
	    pipe2(status, O_CLOEXEC) == -1) {
		e = errno;
		goto fail;
	}

	parent = getpid();
	pid = fork();
	if (pid == -1) {
		e = errno;
		goto fail;
	}
	if (pid == 0)
		child_exec(file, argv, envp, cwd, out[1], err[1], status[1], parent);

	/* Both sides set the group so a signal sent right away reaches it. */
	setpgid(pid, pid);
	close(out[1]);
	close(err[1]);
	close(status[1]);
	out[1] = err[1] = status[1] = -1;

	/* The status pipe closes on a successful exec and carries errno otherwise. */
	do {
		n = read(status[0], &child_errno, sizeof(child_errno));
	} while (n == -1 && errno == EINTR);
	if (n == (ssize_t)sizeof(child_errno)) {
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		e = child_errno;
		goto fail;
	}
	close(status[0]);

	child->pid = pid;
	child->out_fd = out[0];
	child->err_fd = err[0];
	return 0;

fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] != -1)
			close(out[i]);
		if (err[i] != -1)
			close(err[i]);
		if (status[i] != -1)
			close(status[i]);
	}
	errno = e;
	return -1;
}

/* Read field `index` (counted after the command name) of /proc/<pid>/stat. */
static long long
stat_field(pid_t pid, int index)
{
	char path[64], buf[STAT_MAX], *p, *tok;
	const char *errstr;
	ssize_t n;
	long long v;
	int fd, i;

	if ((size_t)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid) >= sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';

	/* The command name may hold spaces and parentheses: skip to the last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	p++;
	for (i = 0; i <= index; i++) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return -1;
		tok = p;
		while (*p != ' ' && *p != '\0' && *p != '\n')
			p++;
		if (i == index) {
			char field[32];
			size_t len = (size_t)(p - tok);

			if (len >= sizeof(field))
				return -1;
			memcpy(field, tok, len);
			field[len] = '\0';
			v = util_strtonum(field, 0, LLONG_MAX, &errstr);
			return errstr != NULL ? -1 : v;
		}
	}
	return -1;
}

long long
spawn_start_time(pid_t pid)
{
	return stat_field(pid, STAT_STARTTIME);
}

/* SIGKILL every process whose parent is this one. */
static void
kill_children(void)
{
	pid_t self = getpid();
	struct dirent *de;
	DIR *d;

	d = opendir("/proc");
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		const char *errstr;
		long long pid;

		pid = util_strtonum(de->d_name, 1, INT_MAX, &errstr);
		if (errstr != NULL || pid == self)
			continue;
		if (stat_field((pid_t)pid, STAT_PPID) == self)
			kill((pid_t)pid, SIGKILL);
	}
	closedir(d);
}

int
spawn_kill_all(pid_t pgid, int timeout_ms)
{
	int64_t deadline = util_now_ms() + timeout_ms;
	struct timespec pause = { 0, KILL_PAUSE_MS * 1000000L };

	for (;;) {
		pid_t w;

		if (pgid > 0)
			kill(-pgid, SIGKILL);
		kill_children();
		do {
			w = waitpid(-1, NULL, WNOHANG);
		} while (w > 0);
		if (w == -1 && errno == ECHILD)
			return 0;
		if (util_now_ms() >= deadline) {
			fprintf(stderr, "breakglass: spawn_kill_all: processes left after %d ms\n", timeout_ms);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
}
