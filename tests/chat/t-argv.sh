#!/usr/bin/env bash
# tests/chat/t-argv.sh: the CLI's argv, environment, working folder and
# process group, as the stand-in records them through cgi-bin/chat.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-chat.sh"
scratch
chat_setup
new_session
FIX="$BG_FIXTURES"
CLI_ID=2867922c-8521-45c8-b964-bc95b38c3362	# the session id local-text-plain reports

agents_json() {
	python3 -c 'import json; print(json.dumps({"breakglass": {"description": "Test agent.", "prompt": "You are a test agent.", "tools": ["Bash", "Read", "Grep", "Glob"]}}, separators=(",", ":")))'
}

# expected_argv FLAG ID MESSAGE [--model M]: DESIGN's argv after argv[0].
expected_argv() {
	local flag=$1 id=$2 msg=$3
	shift 3
	printf '%s\n' -p --output-format stream-json --verbose --include-partial-messages \
		"$flag" "$id" --agents "$(agents_json)" --agent breakglass \
		--tools Bash,Read,Grep,Glob --allowedTools Bash,Read,Grep,Glob --max-turns 40 "$@" -- "$msg"
}

chat_post "$SID" "first message" STANDIN_TRANSCRIPT="$FIX/local-text-plain.jsonl" \
	STANDIN_ARGV_FILE="$T/argv1" STANDIN_ENV_FILE="$T/proc1" ANTHROPIC_API_KEY=dummy \
	HTTP_X_SECRET=leak SECRET_TOKEN=leak
expect_eq "first turn streams to done" 200 "$CGI_STATUS"
if diff -u <(expected_argv --session-id "$SID" "first message") "$T/argv1"; then
	ok "first turn argv is DESIGN's with --session-id"
else
	notok "first turn argv is DESIGN's with --session-id" "diff above"
fi

chat_post "$SID" "-rf / is not an option" STANDIN_TRANSCRIPT="$FIX/local-text-plain.jsonl" \
	STANDIN_ARGV_FILE="$T/argv2"
if diff -u <(expected_argv --resume "$CLI_ID" "-rf / is not an option") "$T/argv2"; then
	ok "second turn resumes the CLI's reported id"
else
	notok "second turn resumes the CLI's reported id" "diff above"
fi
expect_eq "a message starting with - follows --" "--" "$(tail -n 2 "$T/argv2" | head -n 1)"

# The environment is the allow-list only: nothing of the CGI's own.
expect_eq "the CLI's environment is the allow-list" \
	"ANTHROPIC_API_KEY HOME LANG PATH STANDIN_ARGV_FILE STANDIN_ENV_FILE STANDIN_TRANSCRIPT" \
	"$(sed -n 's/^env //p' "$T/proc1" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the CLI runs in state_dir/work" "cwd $T/state/work" "$(grep '^cwd ' "$T/proc1")"
expect_eq "the CLI's stdin is /dev/null" "stdin /dev/null" "$(grep '^stdin ' "$T/proc1")"
expect_eq "the CLI leads its own process group" "pgrp-leader yes" "$(grep '^pgrp-leader ' "$T/proc1")"

# The model and max_turns come from the configuration.
chat_setup "model = claude-test-1" "max_turns = 7"
new_session
chat_post "$SID" "with a model" STANDIN_TRANSCRIPT="$FIX/local-text-plain.jsonl" STANDIN_ARGV_FILE="$T/argv3"
if diff -u <(expected_argv --session-id "$SID" "with a model" --model claude-test-1 | sed 's/^40$/7/') "$T/argv3"; then
	ok "model and max_turns reach argv"
else
	notok "model and max_turns reach argv" "diff above"
fi

# A multi-line message is one argument.
chat_post "$SID" $'line one\nline two' STANDIN_TRANSCRIPT="$FIX/local-text-plain.jsonl" STANDIN_ARGV_FILE="$T/argv4"
expect_eq "a multi-line message stays one argument" 'line one\nline two' "$(tail -n 1 "$T/argv4")"

# An agent file with a web tool is a configuration error, and nothing runs.
sed -i 's/^tools: .*/tools: Bash, WebFetch/' "$T/agent.md"
rm -f "$T/argv5"
chat_post "$SID" "web" STANDIN_TRANSCRIPT="$FIX/local-text-plain.jsonl" STANDIN_ARGV_FILE="$T/argv5"
expect_eq "a web tool in the agent file is 500" 500 "$CGI_STATUS"
expect_match "the error names the tools key" '"code":"config_error".*tools' "$CGI_BODY"
if [ -e "$T/argv5" ]; then notok "no CLI runs on a bad agent file" "the stand-in ran"; else ok "no CLI runs on a bad agent file"; fi
sanitizer_clean "argv runs are sanitizer-clean"
finish
