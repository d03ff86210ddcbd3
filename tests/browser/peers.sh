# peers.sh: sourced by t-page.sh: sets up the stand-ins that the chat and power
# cases need, appends their keys to conf_lines, and sets BG_HAVE_CHAT and
# BG_HAVE_PVE to 1 for each that is available. Needs $T.

# Chat: claude_bin is a wrapper that reads the stand-in's controls from a file
# that each case rewrites, because the turn gives the CLI a fixed environment.
if [ -x "$BG_BUILD/cgi-bin/chat" ] && [ -x "$BG_ROOT/tests/stand-ins/claude" ]; then
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
