/* bounds.h: every bound breakglass puts on input, output and time, with its unit. */
#ifndef BG_BOUNDS_H
#define BG_BOUNDS_H

/* HTTP requests, as CGI sees them. */
#define BG_BODY_MAX		(64 * 1024)	/* bytes of a request body */
#define BG_QUERY_MAX		4096		/* bytes of QUERY_STRING */
#define BG_PARAM_MAX		256		/* bytes of one decoded query value */
#define BG_PATH_INFO_MAX	256		/* bytes of PATH_INFO */
#define BG_HEADER_MAX		8192		/* bytes of one HTTP_* variable we read */
#define BG_JSON_DEPTH_MAX	16		/* nesting of a request body */

/* Identities and secrets. */
#define BG_IDENTITY_MAX		128		/* bytes of the proxy's identity header */
#define BG_TOKEN_MIN		32		/* bytes of the bearer token, at least */
#define BG_TOKEN_MAX		4096		/* bytes of the bearer token file */
#define BG_UUID_LEN		36		/* characters of a canonical UUID */

/* Configuration. */
#define BG_CONF_FILE_MAX	(64 * 1024)	/* bytes of breakglass.conf */
#define BG_CONF_LINE_MAX	4096		/* bytes of one line of it */
#define BG_CONF_VALUE_MAX	1024		/* bytes of one value */
#define BG_PROXIES_MAX		32		/* CIDRs in trusted_proxies */
#define BG_AGENT_ENV_MAX	16		/* names in agent_env */
#define BG_ENV_NAME_MAX		64		/* bytes of one variable name */
#define BG_TIMEOUT_MAX		86400		/* seconds of any configured timeout */
#define BG_MAX_TURNS_MAX	1000		/* agent turns per chat turn */

/* Sessions and audit. */
#define BG_TITLE_MAX		80		/* bytes of a session title */
#define BG_META_MAX		(16 * 1024)	/* bytes of a session's meta.json */
#define BG_SESSIONS_MAX		1000		/* sessions listed by GET /session */
#define BG_AUDIT_RECORD_MAX	2048		/* bytes of one audit line */
#define BG_AUDIT_LIMIT_MAX	500		/* records per GET /audit */
#define BG_AUDIT_LIMIT_DEFAULT	50

/* Chat: the CLI's stream-json lines, their translation and the event log. */
#define BG_STREAM_LINE_MAX	(16 * 1024 * 1024)	/* bytes of one line of the CLI's stdout */
#define BG_STREAM_JSON_DEPTH	64		/* nesting of one such line */
#define BG_TOOL_OUTPUT_MAX	(16 * 1024)	/* bytes of a tool event's output text */
#define BG_EVENT_MESSAGE_MAX	1024		/* bytes of CLI text quoted in an error event */
#define BG_CLI_ID_MAX		128		/* bytes of a message or session id the CLI sends */
#define BG_DELTA_IDS		256		/* recent message ids remembered as streamed */
#define BG_EVENT_LINE_MAX	(2 * BG_STREAM_LINE_MAX)	/* bytes of one events.jsonl line */
#define BG_EVENT_NAME_MAX	32		/* bytes of an event name */

/* Chat turns: the agent file, the runner's clock and the CGI's stream (agent, turn, chat). */
#define BG_MESSAGE_MAX		(32 * 1024)	/* bytes of one chat message */
#define BG_AGENT_FILE_MAX	(64 * 1024)	/* bytes of the agent definition file */
#define BG_AGENT_FIELD_MAX	1024		/* bytes of one front matter value */
#define BG_AGENT_NAME_MAX	64		/* bytes of an agent, tool or model name */
#define BG_AGENT_TOOLS_MAX	8		/* tools an agent may list */
#define BG_CLI_READ_CHUNK	(64 * 1024)	/* bytes read from the CLI per read(2) */
#define BG_TURN_TERM_AFTER_S	5		/* seconds from SIGINT to SIGTERM when stopping */
#define BG_TURN_KILL_AFTER_S	10		/* seconds from SIGINT to SIGKILL when stopping */
#define BG_TURN_DRAIN_MS	2000		/* ms stdout may stay open after the CLI exits */
#define BG_TURN_REAP_MS		3000		/* ms spent killing and reaping what is left */
#define BG_TURN_LOCK_RETRY_MS	100		/* ms a POST retries a lock a probe may hold */
#define BG_STOP_WAIT_MS		2000		/* ms DELETE waits for a starting turn's pid file */
#define BG_SSE_KEEPALIVE_S	15		/* seconds between keepalive comments */
#define BG_FOLLOW_RECHECK_MS	200		/* ms between checks that a followed turn runs */

/* Power controls: verb, pvestatus, ssh, cgi-bin/pve and host/pve-gate. */
#define BG_VERB_MAX		16		/* bytes of a verb name */
#define BG_PVE_STATE_MAX	16		/* bytes of a VM state word */
#define BG_PVE_LOCK_MAX		32		/* bytes of a qm lock name */
#define BG_GATE_LINE_MAX	128		/* bytes of the gate's result line */
#define BG_SSH_STDOUT_MAX	(256 * 1024)	/* bytes of remote stdout kept */
#define BG_SSH_STDERR_MAX	(64 * 1024)	/* bytes of remote stderr kept */
#define BG_SSH_TAIL_MAX		512		/* bytes of stdout's end kept apart */
#define BG_KNOWN_HOSTS_MAX	(1024 * 1024)	/* bytes of the known_hosts file */
#define BG_KNOWN_HOSTS_LINE_MAX	8192		/* bytes of one known_hosts line */
#define BG_SSH_KEY_FILE_MAX	(16 * 1024)	/* bytes of a key or passphrase file */
#define BG_GATE_STATUS_TIMEOUT	20		/* seconds for qm status */
#define BG_GATE_START_TIMEOUT	60		/* seconds for qm start */
#define BG_GATE_STOP_TIMEOUT	60		/* seconds for qm stop */
#define BG_GATE_RESET_TIMEOUT	30		/* seconds for qm reset */
#define BG_GATE_STOPPED_WAIT	30		/* seconds cycle waits for "stopped" */
#define BG_GATE_STEP_TIMEOUT	15		/* seconds per forensics step */
#define BG_GATE_KILL_GRACE_MS	2000		/* SIGTERM to SIGKILL of a late qm */
#define BG_GATE_POLL_MS		500		/* between status reads in cycle */
#define BG_GATE_CAPTURE_MAX	(64 * 1024)	/* bytes of qm output kept to parse */

#endif
