/* ssh.h: run one command on the Proxmox host over libssh2, under one wall-clock deadline. */
/*
 * Usage:
 *	struct ssh_target t = { host, port, user, known_hosts, key, passfile, NULL };
 *	struct ssh_output o;
 *	int err = ssh_exec(&t, "status", connect_deadline, deadline, &cancel, &o);
 *	... o.out, o.err, o.tail, o.exit_status; ssh_error_code(err) ...
 *	ssh_output_free(&o);
 *
 * The host key must be an exact match in known_hosts, checked before
 * authentication; the host-key algorithm is pinned to the key types
 * known_hosts stores for the host.
 *
 * Authentication, from target.key_file:
 *   - a private key file (ed25519 or ECDSA, OpenSSH or PEM format; an
 *     encrypted one needs passphrase_file): that key alone;
 *   - a public key file ("ssh-ed25519 AAAA...", a .pub): the ssh-agent, offering
 *     only the identity with that public key;
 *   - empty: the ssh-agent, offering each of its identities in turn (sshd's
 *     MaxAuthTries bounds how many it will look at).
 * The agent is the one at agent_socket, or at $SSH_AUTH_SOCK when NULL.
 */
#ifndef BG_SSH_H
#define BG_SSH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "bounds.h"

enum ssh_error {
	SSH_OK = 0,
	SSH_ERR_CONFIG,			/* known_hosts or key unreadable or invalid */
	SSH_ERR_CONNECT,		/* refused, unreachable, or the connection was lost */
	SSH_ERR_CONNECT_TIMEOUT,	/* no session by the connect deadline */
	SSH_ERR_HOST_KEY_UNKNOWN,	/* known_hosts has no key for the host */
	SSH_ERR_HOST_KEY_MISMATCH,	/* the host offered a different key */
	SSH_ERR_AUTH,			/* the host accepted none of our keys */
	SSH_ERR_TIMEOUT,		/* the command did not end by the deadline */
	SSH_ERR_CANCELLED		/* *cancel was set before the command was sent */
};

struct ssh_target {
	const char	*host;
	int		port;
	const char	*user;
	const char	*known_hosts;
	const char	*key_file;		/* see above; "" or NULL: the agent */
	const char	*passphrase_file;	/* "" or NULL: none */
	const char	*agent_socket;		/* NULL: $SSH_AUTH_SOCK */
};

struct ssh_output {
	char	*out;			/* stdout, NUL-terminated, at most BG_SSH_STDOUT_MAX bytes */
	size_t	out_len;
	int	out_truncated;
	char	*err;			/* stderr, at most BG_SSH_STDERR_MAX bytes */
	size_t	err_len;
	int	err_truncated;
	char	tail[BG_SSH_TAIL_MAX + 1];	/* stdout's last bytes, kept past the cap */
	size_t	tail_len;
	int	exit_status;		/* the remote exit status, -1 when none was sent */
	int	sent;			/* 1 once the command may have reached the host */
	char	detail[256];		/* what failed, for the log; never sent to a client */
};

/*
 * Connect to t, check the host key, authenticate and run command, reading
 * stdout and stderr until the channel closes. Connecting, the handshake and
 * authentication must finish by connect_deadline and everything by
 * deadline (both util_now_ms() values). While the command is not yet sent,
 * a non-zero *cancel (set by a signal handler; may be NULL) stops the
 * exchange. Return an ssh_error; o is filled in every case and must be
 * released with ssh_output_free.
 */
int ssh_exec(const struct ssh_target *t, const char *command,
    int64_t connect_deadline, int64_t deadline,
    volatile sig_atomic_t *cancel, struct ssh_output *o);

void ssh_output_free(struct ssh_output *o);

/* Return the API error code for an ssh_error ("ssh_connect", ...). */
const char *ssh_error_code(int err);

/* Decode standard base64 (no whitespace) into out; return the decoded
 * length, or -1 when invalid or larger than outsz. */
long ssh_base64_decode(const char *in, size_t inlen, unsigned char *out, size_t outsz);

#endif
