# peers.sh: sourced by t-page.sh: sets up the stand-ins that the chat and power
# cases need, appends their keys to conf_lines, and sets BG_HAVE_CHAT and
# BG_HAVE_PVE to 1 for each that is ready. A missing piece is reported as a
# failure, and the cases that need it do not run. Needs $T.

# Chat: claude_bin is a wrapper that reads the stand-in's controls from a file
# that each case rewrites, because the turn gives the CLI a fixed environment.
if [ ! -x "$BG_BUILD/cgi-bin/chat" ]; then
	notok "chat peers are ready" "$BG_BUILD/cgi-bin/chat is missing; run make"
elif [ ! -x "$BG_ROOT/tests/stand-ins/claude" ]; then
	notok "chat peers are ready" "tests/stand-ins/claude is missing"
elif [ ! -f "$BG_FIXTURES/local-partial-messages-tools.jsonl" ]; then
	notok "chat peers are ready" "no transcripts in $BG_FIXTURES; set BG_FIXTURES"
else
	: > "$T/standin.env"
	cat > "$T/claude" <<EOT
#!/bin/sh
set -a
. "$T/standin.env"
set +a
exec "$BG_ROOT/tests/stand-ins/claude" "\$@"
EOT
	chmod +x "$T/claude"
	conf_lines+=("claude_bin = $T/claude" "agent_file = $BG_ROOT/conf/agent/breakglass.md")
	export BG_STANDIN_ENV="$T/standin.env" BG_HAVE_CHAT=1
fi

# Power: a real sshd on loopback whose only key runs host/pve-gate with the
# stand-in qm; BG_QM_DIR is the stand-in's folder, which the cases change.
# verb_timeout is short so the timeout case ends quickly.
if [ ! -x "$BG_BUILD/cgi-bin/pve" ] || [ ! -x "$BG_BUILD/host/pve-gate" ]; then
	notok "power peers are ready" "cgi-bin/pve or host/pve-gate is not built; run make"
elif [ ! -x /usr/sbin/sshd ]; then
	notok "power peers are ready" "/usr/sbin/sshd is missing; run make deps"
else
	. "$BG_ROOT/tests/gate/gate.sh"
	. "$BG_ROOT/tests/ssh/sshd.sh"
	qm_standin running
	sshd_keys
	sshd_authorize
	if sshd_start; then
		conf_lines+=("pve_host = 127.0.0.1" "pve_port = $SSHD_PORT" "pve_user = $(id -un)"
			"known_hosts = $T/known_hosts" "ssh_key = $T/client/id_ed25519"
			"connect_timeout = 3" "verb_timeout = 3")
		export BG_QM_DIR="$T/qm" BG_HAVE_PVE=1
	else
		notok "power peers are ready" "the test sshd did not start"
	fi
fi
