#!/usr/bin/env bash
# tests/cgi/t-cases.sh: runs each golden case in tests/cgi/cases/ against the
# sanitizer build of its CGI program, invoked directly with a CGI environment,
# and compares status, headers and body with the case's .expected by diff -u.
#
# A case NAME.sh sets PROG (session, audit, ...), METHOD, PATH_INFO, QUERY,
# ENV (an array of VAR=value), BODY, and may define setup() to prepare state
# and config(): extra breakglass.conf lines. $TOKEN, $STATE and $SID (a
# session made by make_session) are available. Ids and times are replaced by
# <uuid> and <time> before the compare.
. "$(dirname "$0")/../lib.sh"
scratch
BIN=${BG_CGI_BIN:-$BG_ASAN/cgi-bin}

make_session() {
	BG_CONF="$T/bg.conf" cgi_run "$BIN/session" POST "" "" CONTENT_TYPE=application/json \
		HTTP_AUTHORIZATION="Bearer $TOKEN" <<<'{}'
	SID=$(printf '%s' "$CGI_BODY" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
}

normalize() {
	sed -E 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/<uuid>/g;
		s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/<time>/g'
}

for case in "$(dirname "$0")"/cases/*.sh; do
	name=$(basename "$case" .sh)
	expected="${case%.sh}.expected"
	(
		STATE="$T/$name/state"
		mkdir -p "$STATE"
		TOKEN=0123456789abcdef0123456789abcdef-test
		printf '%s\n' "$TOKEN" > "$T/$name/token"
		PROG= METHOD=GET PATH_INFO= QUERY= BODY= ENV=()
		setup() { :; }
		config() { :; }
		. "$case"
		{
			echo "state_dir = $STATE"
			echo "bearer_token_file = $T/$name/token"
			config
		} > "$T/bg.conf"
		setup
		export CGI_STDERR="$T/$name/stderr"
		BG_CONF="$T/bg.conf" cgi_run "$BIN/$PROG" "$METHOD" "$PATH_INFO" "$QUERY" "${ENV[@]}" \
			< <(printf '%s' "$BODY")
		{
			echo "$CGI_HEADERS" | tr -d '\r'
			echo
			echo "$CGI_BODY"
		} | normalize > "$T/$name.out"
		if [ -f "$expected" ] && diff -u "$expected" "$T/$name.out" > "$T/$name.diff"; then
			ok "cgi $name"
		elif [ "${BG_BLESS:-}" = 1 ]; then
			cp "$T/$name.out" "$expected"
			ok "cgi $name (blessed)"
		else
			notok "cgi $name" "output differs from $(basename "$expected"):"
			cat "$T/$name.diff" 2>/dev/null || echo "(no .expected file)"
			grep -iE 'sanitizer|runtime error' "$CGI_STDERR" && true
		fi
		if grep -qE 'Sanitizer|runtime error' "$CGI_STDERR" 2>/dev/null; then
			notok "cgi $name sanitizer-clean" "$(head -n 5 "$CGI_STDERR")"
		fi
		[ "$_bg_failed" -eq 0 ]
	)
	[ $? -eq 0 ] || _bg_failed=1
done
finish
