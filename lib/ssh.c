/* ssh.c: the libssh2 client of the power controls: non-blocking, one deadline, exact host-key match. */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh2.h>

#include "ssh.h"
#include "util.h"

#define PASSPHRASE_MAX	1024	/* bytes of a key's passphrase */
#define PUBKEY_BLOB_MAX	1024	/* bytes of a decoded ed25519/ECDSA public key */
#define READ_CHUNK	16384	/* bytes read from the channel at a time */

/* Host-key types we can pin, most preferred first. */
static const struct {
	int		knownhost;	/* LIBSSH2_KNOWNHOST_KEY_* */
	int		hostkey;	/* LIBSSH2_HOSTKEY_TYPE_* */
	const char	*method;	/* the algorithm name in KEXINIT */
} key_types[] = {
	{ LIBSSH2_KNOWNHOST_KEY_ED25519, LIBSSH2_HOSTKEY_TYPE_ED25519, "ssh-ed25519" },
	{ LIBSSH2_KNOWNHOST_KEY_ECDSA_521, LIBSSH2_HOSTKEY_TYPE_ECDSA_521, "ecdsa-sha2-nistp521" },
	{ LIBSSH2_KNOWNHOST_KEY_ECDSA_384, LIBSSH2_HOSTKEY_TYPE_ECDSA_384, "ecdsa-sha2-nistp384" },
	{ LIBSSH2_KNOWNHOST_KEY_ECDSA_256, LIBSSH2_HOSTKEY_TYPE_ECDSA_256, "ecdsa-sha2-nistp256" },
	/* libssh2 1.10 verifies RSA host keys only with SHA-1 signatures,
	 * which OpenSSH 8.8 and later no longer offer by default. */
	{ LIBSSH2_KNOWNHOST_KEY_SSHRSA, LIBSSH2_HOSTKEY_TYPE_RSA, "ssh-rsa" },
};
#define NKEY_TYPES	(sizeof(key_types) / sizeof(key_types[0]))

/* One exchange's state, so every wait checks the same deadline. */
struct exchange {
	LIBSSH2_SESSION		*session;
	int			sock;
	int64_t			deadline;	/* the current phase's, util_now_ms() */
	int			connecting;	/* 1 until authenticated */
	volatile sig_atomic_t	*cancel;
	struct ssh_output	*o;
};

static void
set_detail(struct ssh_output *o, const char *step, const char *what)
{
	if ((size_t)snprintf(o->detail, sizeof(o->detail), "%s: %s", step, what) >= sizeof(o->detail))
		o->detail[sizeof(o->detail) - 1] = '\0';
}

/* Record libssh2's last error message for step. */
static void
set_detail_ssh(struct exchange *x, const char *step)
{
	char *msg = NULL;

	libssh2_session_last_error(x->session, &msg, NULL, 0);
	set_detail(x->o, step, msg != NULL && *msg != '\0' ? msg : "failed");
}

static int
timed_out(const struct exchange *x)
{
	return x->connecting ? SSH_ERR_CONNECT_TIMEOUT : SSH_ERR_TIMEOUT;
}

/*
 * Wait until the socket is ready in the direction libssh2 is blocked on,
 * the deadline passes, or a signal arrives. Return SSH_OK to retry the
 * call, or an error.
 */
static int
wait_socket(struct exchange *x, const char *step)
{
	struct pollfd pfd;
	int64_t left;
	int dir, n;

	if (x->cancel != NULL && *x->cancel && !x->o->sent) {
		set_detail(x->o, step, "cancelled before the command was sent");
		return SSH_ERR_CANCELLED;
	}
	left = x->deadline - util_now_ms();
	if (left <= 0) {
		set_detail(x->o, step, "deadline passed");
		return timed_out(x);
	}

	dir = x->session != NULL ? libssh2_session_block_directions(x->session) : 0;
	pfd.fd = x->sock;
	pfd.events = 0;
	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		pfd.events |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		pfd.events |= POLLOUT;
	if (pfd.events == 0)
		pfd.events = POLLIN;

	n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
	if (n == -1 && errno != EINTR) {
		set_detail(x->o, step, strerror(errno));
		return SSH_ERR_CONNECT;
	}
	/* EINTR, a timeout and readiness all go back to the caller's loop,
	 * which retries the call and comes back here to check again. */
	return SSH_OK;
}

/* Resolve host:port. A name goes through getaddrinfo_a so that a dead
 * resolver cannot outlast the deadline. */
static int
resolve(struct exchange *x, const char *host, int port, struct addrinfo **res)
{
	struct addrinfo hints;
	struct gaicb req, *list[1];
	char service[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	(void)snprintf(service, sizeof(service), "%d", port);

	if (getaddrinfo(host, service, &hints, res) == 0)
		return SSH_OK;

	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	memset(&req, 0, sizeof(req));
	req.ar_name = host;
	req.ar_service = service;
	req.ar_request = &hints;
	list[0] = &req;
	rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (rc != 0) {
		set_detail(x->o, "resolve", gai_strerror(rc));
		return SSH_ERR_CONNECT;
	}
	for (;;) {
		int64_t left = x->deadline - util_now_ms();
		struct timespec ts;
		const struct gaicb *wait_list[1] = { &req };

		if (left <= 0) {
			/* XXX: a lookup that cannot be cancelled keeps its
			 * thread; the process ends soon after anyway. */
			(void)gai_cancel(&req);
			set_detail(x->o, "resolve", "deadline passed");
			return SSH_ERR_CONNECT_TIMEOUT;
		}
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		(void)gai_suspend(wait_list, 1, &ts);
		rc = gai_error(&req);
		if (rc != EAI_INPROGRESS)
			break;
	}
	if (rc != 0) {
		set_detail(x->o, "resolve", gai_strerror(rc));
		return SSH_ERR_CONNECT;
	}
	*res = req.ar_result;
	return SSH_OK;
}

/* Connect a non-blocking TCP socket to the first address that accepts. */
static int
connect_tcp(struct exchange *x, const char *host, int port)
{
	struct addrinfo *res = NULL, *ai;
	int err, last_errno = ECONNREFUSED, rc;

	rc = resolve(x, host, port, &res);
	if (rc != SSH_OK)
		return rc;

	rc = SSH_ERR_CONNECT;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		int one = 1;

		if (fd == -1) {
			last_errno = errno;
			continue;
		}
		/* The exchange is many small packets: Nagle would delay them. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			x->sock = fd;
			rc = SSH_OK;
			break;
		}
		if (errno != EINPROGRESS) {
			last_errno = errno;
			close(fd);
			continue;
		}

		for (;;) {
			struct pollfd pfd = { fd, POLLOUT, 0 };
			int64_t left = x->deadline - util_now_ms();
			socklen_t len = sizeof(err);
			int n;

			if (left <= 0) {
				rc = SSH_ERR_CONNECT_TIMEOUT;
				break;
			}
			n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
			if (n == -1 && errno == EINTR) {
				if (x->cancel != NULL && *x->cancel) {
					rc = SSH_ERR_CANCELLED;
					break;
				}
				continue;
			}
			if (n <= 0)
				continue;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
				err = errno;
			if (err == 0) {
				x->sock = fd;
				rc = SSH_OK;
			} else
				last_errno = err;
			break;
		}
		if (rc == SSH_OK)
			break;
		close(fd);
		if (rc == SSH_ERR_CONNECT_TIMEOUT || rc == SSH_ERR_CANCELLED)
			break;
		rc = SSH_ERR_CONNECT;
	}
	freeaddrinfo(res);

	if (rc == SSH_ERR_CONNECT)
		set_detail(x->o, "connect", strerror(last_errno));
	else if (rc == SSH_ERR_CONNECT_TIMEOUT)
		set_detail(x->o, "connect", "deadline passed");
	else if (rc == SSH_ERR_CANCELLED)
		set_detail(x->o, "connect", "cancelled");
	return rc;
}

/*
 * Load known_hosts line by line: libssh2_knownhost_readfile gives up on the
 * first line it cannot parse (a key type it lacks), so such lines are
 * skipped here. @revoked lines are not supported, and a file that has them
 * is refused rather than risk trusting a revoked key.
 */
static int
load_known_hosts(struct exchange *x, LIBSSH2_KNOWNHOSTS *kh, const char *path)
{
	char *text, *one;
	size_t len, pos = 0;
	int rc = SSH_OK;

	one = malloc(BG_KNOWN_HOSTS_LINE_MAX + 1);
	if (one == NULL) {
		set_detail(x->o, "known_hosts", strerror(errno));
		return SSH_ERR_CONFIG;
	}
	text = util_read_file(path, BG_KNOWN_HOSTS_MAX, &len);
	if (text == NULL) {
		set_detail(x->o, "known_hosts", strerror(errno));
		free(one);
		return SSH_ERR_CONFIG;
	}
	while (pos < len) {
		char *line = text + pos;
		char *nl = memchr(line, '\n', len - pos);
		size_t linelen = nl != NULL ? (size_t)(nl - line) : len - pos;

		pos += linelen + (nl != NULL ? 1 : 0);
		if (linelen > 0 && line[linelen - 1] == '\r')
			linelen--;
		if (linelen == 0 || line[0] == '#')
			continue;
		if (linelen > BG_KNOWN_HOSTS_LINE_MAX) {
			set_detail(x->o, "known_hosts", "line too long");
			rc = SSH_ERR_CONFIG;
			break;
		}
		if (linelen >= 8 && memcmp(line, "@revoked", 8) == 0) {
			set_detail(x->o, "known_hosts", "@revoked lines are not supported");
			rc = SSH_ERR_CONFIG;
			break;
		}
		if (line[0] == '@')
			continue;
		/* libssh2 1.10 reads the key up to a NUL and ignores the
		 * length, so each line gets its own terminated copy. */
		memcpy(one, line, linelen);
		one[linelen] = '\0';
		if (libssh2_knownhost_readline(kh, one, linelen,
		    LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0)
			continue;
	}
	free(text);
	free(one);
	return rc;
}

/*
 * Find which key types known_hosts holds for host:port and write the
 * matching algorithm names to prefs. A probe with a dummy key returns
 * MISMATCH exactly when an entry of that type exists for the host, hashed
 * names included.
 */
static int
pinned_methods(LIBSSH2_KNOWNHOSTS *kh, const char *host, int port, char *prefs,
    size_t prefsz)
{
	static const char dummy[] = "x";
	size_t i, used = 0;

	prefs[0] = '\0';
	for (i = 0; i < NKEY_TYPES; i++) {
		int r = libssh2_knownhost_checkp(kh, host, port, dummy, sizeof(dummy) - 1,
		    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
		    key_types[i].knownhost, NULL);
		int n;

		if (r != LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
			continue;
		n = snprintf(prefs + used, prefsz - used, "%s%s", used > 0 ? "," : "",
		    key_types[i].method);
		if (n < 0 || (size_t)n >= prefsz - used)
			return -1;
		used += (size_t)n;
	}
	return used > 0 ? 0 : -1;
}

/* Compare the host's key with known_hosts: MATCH or an error. */
static int
check_host_key(struct exchange *x, LIBSSH2_KNOWNHOSTS *kh, const char *host, int port)
{
	const char *key;
	size_t keylen, i;
	int type, mask = 0, r;

	key = libssh2_session_hostkey(x->session, &keylen, &type);
	if (key == NULL) {
		set_detail_ssh(x, "host key");
		return SSH_ERR_CONNECT;
	}
	for (i = 0; i < NKEY_TYPES; i++)
		if (key_types[i].hostkey == type)
			mask = key_types[i].knownhost;
	if (mask == 0) {
		set_detail(x->o, "host key", "unsupported key type");
		return SSH_ERR_HOST_KEY_MISMATCH;
	}

	r = libssh2_knownhost_checkp(kh, host, port, key, keylen,
	    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | mask, NULL);
	switch (r) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		return SSH_OK;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		set_detail(x->o, "host key", "does not match known_hosts (changed key?)");
		return SSH_ERR_HOST_KEY_MISMATCH;
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		set_detail(x->o, "host key", "no entry of this key type in known_hosts");
		return SSH_ERR_HOST_KEY_UNKNOWN;
	default:
		set_detail_ssh(x, "host key check");
		return SSH_ERR_HOST_KEY_UNKNOWN;
	}
}

long
ssh_base64_decode(const char *in, size_t inlen, unsigned char *out, size_t outsz)
{
	unsigned long acc = 0;
	size_t i, o = 0, pad = 0;
	int bits = 0;

	if (inlen % 4 != 0)
		return -1;
	for (i = 0; i < inlen; i++) {
		char c = in[i];
		int v;

		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+')
			v = 62;
		else if (c == '/')
			v = 63;
		else if (c == '=' && i >= inlen - 2) {
			pad++;
			continue;
		} else
			return -1;
		if (pad > 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outsz)
				return -1;
			out[o++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	return (long)o;
}

/* Take the blob of a "type base64 [comment]" public key line; return its
 * length or -1. */
static long
public_key_blob(const char *text, size_t len, unsigned char *blob, size_t blobsz)
{
	const char *sp = memchr(text, ' ', len), *b64, *end;

	if (sp == NULL)
		return -1;
	b64 = sp + 1;
	end = b64;
	while ((size_t)(end - text) < len && *end != ' ' && *end != '\n' && *end != '\r')
		end++;
	return ssh_base64_decode(b64, (size_t)(end - b64), blob, blobsz);
}

static int
is_public_key(const char *text, size_t len)
{
	return (len > 4 && memcmp(text, "ssh-", 4) == 0) ||
	    (len > 6 && memcmp(text, "ecdsa-", 6) == 0);
}

/* Authenticate through the ssh-agent; blob (when not NULL) is the one
 * identity to offer. */
static int
auth_agent(struct exchange *x, const char *user, const char *socket_path,
    const unsigned char *blob, size_t bloblen)
{
	LIBSSH2_AGENT *agent;
	struct libssh2_agent_publickey *id = NULL;
	int rc = SSH_ERR_AUTH, offered = 0, r;

	agent = libssh2_agent_init(x->session);
	if (agent == NULL) {
		set_detail_ssh(x, "agent init");
		return SSH_ERR_AUTH;
	}
	if (socket_path != NULL)
		libssh2_agent_set_identity_path(agent, socket_path);

	/* XXX: libssh2 talks to the agent with blocking calls; the agent is a
	 * local socket, so this is accepted outside the deadline. */
	if (libssh2_agent_connect(agent) != 0) {
		set_detail(x->o, "agent", "cannot connect to the ssh-agent (SSH_AUTH_SOCK)");
		goto done;
	}
	if (libssh2_agent_list_identities(agent) != 0) {
		set_detail_ssh(x, "agent list");
		goto done;
	}
	set_detail(x->o, "agent", blob != NULL ?
	    "the agent does not hold the key named by ssh_key" : "the agent holds no keys");

	while ((r = libssh2_agent_get_identity(agent, &id, id)) == 0) {
		if (blob != NULL && (id->blob_len != bloblen || memcmp(id->blob, blob, bloblen) != 0))
			continue;
		offered++;
		for (;;) {
			r = libssh2_agent_userauth(agent, user, id);
			if (r != LIBSSH2_ERROR_EAGAIN)
				break;
			rc = wait_socket(x, "agent auth");
			if (rc != SSH_OK)
				goto done;
			rc = SSH_ERR_AUTH;
		}
		if (r == 0) {
			rc = SSH_OK;
			goto done;
		}
		set_detail_ssh(x, "agent auth");
		if (r != LIBSSH2_ERROR_AUTHENTICATION_FAILED &&
		    r != LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED && r != LIBSSH2_ERROR_AGENT_PROTOCOL) {
			rc = (r == LIBSSH2_ERROR_SOCKET_DISCONNECT || r == LIBSSH2_ERROR_SOCKET_RECV ||
			    r == LIBSSH2_ERROR_SOCKET_SEND) ? SSH_ERR_CONNECT : SSH_ERR_AUTH;
			goto done;
		}
	}
	if (offered > 0)
		set_detail(x->o, "agent auth", "the host refused every key offered");

done:
	libssh2_agent_disconnect(agent);
	libssh2_agent_free(agent);
	return rc;
}

/* Authenticate with a private key file, or the agent (see ssh.h). */
static int
authenticate(struct exchange *x, const struct ssh_target *t)
{
	unsigned char blob[PUBKEY_BLOB_MAX];
	char *key = NULL, *pass = NULL;
	size_t keylen = 0, passlen = 0;
	long bloblen;
	int rc = SSH_ERR_AUTH, r;

	if (t->key_file == NULL || t->key_file[0] == '\0')
		return auth_agent(x, t->user, t->agent_socket, NULL, 0);

	key = util_read_file(t->key_file, BG_SSH_KEY_FILE_MAX, &keylen);
	if (key == NULL) {
		set_detail(x->o, "ssh_key", strerror(errno));
		rc = SSH_ERR_CONFIG;
		goto done;
	}
	if (is_public_key(key, keylen)) {
		bloblen = public_key_blob(key, keylen, blob, sizeof(blob));
		if (bloblen <= 0) {
			set_detail(x->o, "ssh_key", "invalid public key");
			rc = SSH_ERR_CONFIG;
			goto done;
		}
		rc = auth_agent(x, t->user, t->agent_socket, blob, (size_t)bloblen);
		goto done;
	}

	if (t->passphrase_file != NULL && t->passphrase_file[0] != '\0') {
		pass = util_read_file(t->passphrase_file, PASSPHRASE_MAX, &passlen);
		if (pass == NULL) {
			set_detail(x->o, "ssh_key_passphrase_file", strerror(errno));
			rc = SSH_ERR_CONFIG;
			goto done;
		}
		if (passlen > 0 && pass[passlen - 1] == '\n')
			pass[--passlen] = '\0';
	}

	for (;;) {
		r = libssh2_userauth_publickey_frommemory(x->session, t->user, strlen(t->user),
		    NULL, 0, key, keylen, pass);
		if (r != LIBSSH2_ERROR_EAGAIN)
			break;
		rc = wait_socket(x, "auth");
		if (rc != SSH_OK)
			goto done;
	}
	if (r == 0) {
		rc = SSH_OK;
		goto done;
	}
	set_detail_ssh(x, "auth");
	if (r == LIBSSH2_ERROR_FILE || r == LIBSSH2_ERROR_METHOD_NOT_SUPPORTED ||
	    r == LIBSSH2_ERROR_KEYFILE_AUTH_FAILED) {
		/* An unparsable key, or an encrypted one without the right
		 * passphrase: fixed in the configuration, not on the host. */
		set_detail(x->o, "ssh_key", "cannot be loaded (encrypted without the right passphrase?)");
		rc = SSH_ERR_CONFIG;
	}
	else if (r == LIBSSH2_ERROR_SOCKET_DISCONNECT || r == LIBSSH2_ERROR_SOCKET_RECV ||
	    r == LIBSSH2_ERROR_SOCKET_SEND)
		rc = SSH_ERR_CONNECT;
	else
		rc = SSH_ERR_AUTH;

done:
	if (key != NULL) {
		explicit_bzero(key, keylen);
		free(key);
	}
	if (pass != NULL) {
		explicit_bzero(pass, passlen);
		free(pass);
	}
	return rc;
}

/* Append n bytes to a capped buffer; past the cap set *truncated. */
static void
append_capped(char *buf, size_t *len, size_t cap, int *truncated, const char *data, size_t n)
{
	size_t room = cap - *len;

	if (n > room) {
		*truncated = 1;
		n = room;
	}
	memcpy(buf + *len, data, n);
	*len += n;
	buf[*len] = '\0';
}

/* Keep the last BG_SSH_TAIL_MAX bytes of stdout in o->tail. */
static void
append_tail(struct ssh_output *o, const char *data, size_t n)
{
	if (n >= BG_SSH_TAIL_MAX) {
		memcpy(o->tail, data + n - BG_SSH_TAIL_MAX, BG_SSH_TAIL_MAX);
		o->tail_len = BG_SSH_TAIL_MAX;
	} else {
		size_t keep = o->tail_len + n > BG_SSH_TAIL_MAX ? BG_SSH_TAIL_MAX - n : o->tail_len;

		memmove(o->tail, o->tail + o->tail_len - keep, keep);
		memcpy(o->tail + keep, data, n);
		o->tail_len = keep + n;
	}
	o->tail[o->tail_len] = '\0';
}

/* Read stdout and stderr until the remote end sends EOF. */
static int
read_output(struct exchange *x, LIBSSH2_CHANNEL *ch)
{
	static char chunk[READ_CHUNK];
	struct ssh_output *o = x->o;

	for (;;) {
		int got = 0, stream;

		for (stream = 0; stream < 2; stream++) {
			for (;;) {
				ssize_t n = stream == 0 ?
				    libssh2_channel_read(ch, chunk, sizeof(chunk)) :
				    libssh2_channel_read_stderr(ch, chunk, sizeof(chunk));

				if (n == LIBSSH2_ERROR_EAGAIN || n == 0)
					break;
				if (n < 0) {
					set_detail_ssh(x, "read");
					return SSH_ERR_CONNECT;
				}
				got = 1;
				if (stream == 0) {
					append_capped(o->out, &o->out_len, BG_SSH_STDOUT_MAX,
					    &o->out_truncated, chunk, (size_t)n);
					append_tail(o, chunk, (size_t)n);
				} else {
					append_capped(o->err, &o->err_len, BG_SSH_STDERR_MAX,
					    &o->err_truncated, chunk, (size_t)n);
				}
			}
		}
		if (libssh2_channel_eof(ch))
			return SSH_OK;
		if (!got) {
			int rc = wait_socket(x, "read");

			if (rc != SSH_OK)
				return rc;
		}
	}
}

/* After EOF: close the channel and take the exit status. */
static void
finish_channel(struct exchange *x, LIBSSH2_CHANNEL *ch)
{
	int r;

	while ((r = libssh2_channel_close(ch)) == LIBSSH2_ERROR_EAGAIN)
		if (wait_socket(x, "close") != SSH_OK)
			return;
	while ((r = libssh2_channel_wait_closed(ch)) == LIBSSH2_ERROR_EAGAIN)
		if (wait_socket(x, "close") != SSH_OK)
			return;
	if (r == 0) {
		char *sig = NULL;

		/* libssh2 returns 0 when no exit-status arrived: a signal
		 * name means the command was killed, not that it exited 0. */
		libssh2_channel_get_exit_signal(ch, &sig, NULL, NULL, NULL, NULL, NULL);
		if (sig == NULL)
			x->o->exit_status = libssh2_channel_get_exit_status(ch);
		else {
			set_detail(x->o, "exit", "killed by a signal");
			libssh2_free(x->session, sig);
		}
	}
}

int
ssh_exec(const struct ssh_target *t, const char *command, int64_t connect_deadline,
    int64_t deadline, volatile sig_atomic_t *cancel, struct ssh_output *o)
{
	static int initialised;
	struct exchange x;
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	LIBSSH2_CHANNEL *ch = NULL;
	char prefs[128];
	int rc, r;

	memset(o, 0, sizeof(*o));
	o->exit_status = -1;
	memset(&x, 0, sizeof(x));
	x.sock = -1;
	x.o = o;
	x.cancel = cancel;
	x.connecting = 1;
	x.deadline = connect_deadline < deadline ? connect_deadline : deadline;

	o->out = malloc(BG_SSH_STDOUT_MAX + 1);
	o->err = malloc(BG_SSH_STDERR_MAX + 1);
	if (o->out == NULL || o->err == NULL) {
		set_detail(o, "malloc", strerror(errno));
		rc = SSH_ERR_CONFIG;
		goto done;
	}
	o->out[0] = o->err[0] = '\0';

	if (!initialised) {
		if (libssh2_init(0) != 0) {
			set_detail(o, "libssh2_init", "failed");
			rc = SSH_ERR_CONFIG;
			goto done;
		}
		initialised = 1;
	}
	x.session = libssh2_session_init();
	if (x.session == NULL) {
		set_detail(o, "session", "cannot allocate");
		rc = SSH_ERR_CONFIG;
		goto done;
	}
	libssh2_session_set_blocking(x.session, 0);

	/* known_hosts first: without a pinned key nothing goes on the wire. */
	kh = libssh2_knownhost_init(x.session);
	if (kh == NULL) {
		set_detail_ssh(&x, "known_hosts");
		rc = SSH_ERR_CONFIG;
		goto done;
	}
	rc = load_known_hosts(&x, kh, t->known_hosts);
	if (rc != SSH_OK)
		goto done;
	if (pinned_methods(kh, t->host, t->port, prefs, sizeof(prefs)) != 0) {
		set_detail(o, "known_hosts", "no usable key for the host");
		rc = SSH_ERR_HOST_KEY_UNKNOWN;
		goto done;
	}
	if (libssh2_session_method_pref(x.session, LIBSSH2_METHOD_HOSTKEY, prefs) != 0) {
		set_detail_ssh(&x, "host key algorithms");
		rc = SSH_ERR_CONFIG;
		goto done;
	}

	rc = connect_tcp(&x, t->host, t->port);
	if (rc != SSH_OK)
		goto done;

	while ((r = libssh2_session_handshake(x.session, x.sock)) == LIBSSH2_ERROR_EAGAIN)
		if ((rc = wait_socket(&x, "handshake")) != SSH_OK)
			goto done;
	if (r != 0) {
		set_detail_ssh(&x, "handshake");
		rc = SSH_ERR_CONNECT;
		goto done;
	}

	rc = check_host_key(&x, kh, t->host, t->port);
	if (rc != SSH_OK)
		goto done;

	rc = authenticate(&x, t);
	if (rc != SSH_OK)
		goto done;

	x.connecting = 0;
	x.deadline = deadline;
	while ((ch = libssh2_channel_open_session(x.session)) == NULL &&
	    libssh2_session_last_errno(x.session) == LIBSSH2_ERROR_EAGAIN)
		if ((rc = wait_socket(&x, "channel")) != SSH_OK)
			goto done;
	if (ch == NULL) {
		set_detail_ssh(&x, "channel");
		rc = SSH_ERR_CONNECT;
		goto done;
	}

	/* From the first exec call on, the host may be running the verb:
	 * cancelling is no longer allowed. */
	if (cancel != NULL && *cancel) {
		set_detail(o, "exec", "cancelled before the command was sent");
		rc = SSH_ERR_CANCELLED;
		goto done;
	}
	o->sent = 1;
	while ((r = libssh2_channel_exec(ch, command)) == LIBSSH2_ERROR_EAGAIN)
		if ((rc = wait_socket(&x, "exec")) != SSH_OK)
			goto done;
	if (r != 0) {
		set_detail_ssh(&x, "exec");
		rc = SSH_ERR_CONNECT;
		goto done;
	}

	rc = read_output(&x, ch);
	if (rc != SSH_OK)
		goto done;
	finish_channel(&x, ch);
	rc = SSH_OK;

done:
	/* Freeing may send a channel close or a disconnect. After a failure,
	 * or when that send would block, the socket is shut down first, so
	 * libssh2 gives up at once instead of waiting on the peer. */
	if (rc != SSH_OK && x.sock != -1)
		shutdown(x.sock, SHUT_RDWR);
	if (ch != NULL && libssh2_channel_free(ch) == LIBSSH2_ERROR_EAGAIN) {
		shutdown(x.sock, SHUT_RDWR);
		(void)libssh2_channel_free(ch);
	}
	if (kh != NULL)
		libssh2_knownhost_free(kh);
	if (x.session != NULL) {
		(void)libssh2_session_disconnect(x.session, "done");
		if (libssh2_session_free(x.session) == LIBSSH2_ERROR_EAGAIN) {
			shutdown(x.sock, SHUT_RDWR);
			(void)libssh2_session_free(x.session);
		}
	}
	if (x.sock != -1)
		close(x.sock);
	return rc;
}

void
ssh_output_free(struct ssh_output *o)
{
	free(o->out);
	free(o->err);
	o->out = o->err = NULL;
}

const char *
ssh_error_code(int err)
{
	switch (err) {
	case SSH_OK:
		return "ok";
	case SSH_ERR_CONFIG:
		return "config_error";
	case SSH_ERR_CONNECT:
		return "ssh_connect";
	case SSH_ERR_CONNECT_TIMEOUT:
		return "connect_timeout";
	case SSH_ERR_HOST_KEY_UNKNOWN:
		return "host_key_unknown";
	case SSH_ERR_HOST_KEY_MISMATCH:
		return "host_key_mismatch";
	case SSH_ERR_AUTH:
		return "ssh_auth";
	case SSH_ERR_TIMEOUT:
		return "verb_timeout";
	case SSH_ERR_CANCELLED:
		return "cancelled";
	default:
		return "ssh_error";
	}
}
