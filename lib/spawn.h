/* spawn.h: starts a program in its own process group with pipes and a clean environment, and kills a turn's leftovers. */
#ifndef BG_SPAWN_H
#define BG_SPAWN_H

#include <sys/types.h>

#include <stddef.h>

struct spawn_child {
	pid_t	pid;		/* also the process group id */
	int	out_fd;		/* read end of its stdout, O_CLOEXEC */
	int	err_fd;		/* read end of its stderr, O_CLOEXEC */
};

/*
 * Find `file` on `path` (a PATH value) unless it contains a slash; write the
 * result to out. Return 0, or -1 with errno ENOENT when no executable
 * regular file matches.
 */
int spawn_resolve(const char *file, const char *path, char *out, size_t outsz);

/*
 * Run argv[0] resolved on `path` with exactly envp, in cwd, stdin /dev/null,
 * stdout and stderr to pipes, in a new process group, with the default
 * signal mask and dispositions, and SIGKILLed should this process die. Return 0 once the program is executing, or
 * -1 with errno set (the exec's own errno when it failed in the child).
 */
int spawn_start(char *const argv[], char *const envp[], const char *path,
    const char *cwd, struct spawn_child *child);

/*
 * Kill everything left of a turn: SIGKILL the process group pgid, then every
 * child of this process (a child subreaper inherits its orphaned
 * descendants) until none is left or timeout_ms passed, reaping them all.
 * Return 0 when no child is left, -1 when some survived.
 */
int spawn_kill_all(pid_t pgid, int timeout_ms);

/* Read the start time (clock ticks after boot) of pid from /proc; -1 when
 * it has none. Used with a pid to name one process, not a reused pid. */
long long spawn_start_time(pid_t pid);

#endif
