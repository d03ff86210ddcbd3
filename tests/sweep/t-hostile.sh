#!/usr/bin/env bash
# tests/sweep/t-hostile.sh: sends well over 100 malformed, mistyped and hostile requests
# through a real lighttpd to the sanitizer build of every CGI program. Each
# must get its documented status and error code. Afterwards no program
# reported a sanitizer error, no lock is left held, no partial file is left
# in state_dir and the audit log holds exactly the records the requests
# should have written, each one whole.
#
# /pve talks to pve_host 127.0.0.1 on a port nothing listens on, so nothing
# leaves the machine; /chat runs the stand-in CLI of tests/stand-ins/.
. "$(dirname "$0")/../lib.sh"
scratch
CGI=${BG_SWEEP_CGI:-$BG_ASAN/cgi-bin}
STANDIN="$BG_ROOT/tests/stand-ins/claude"

TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/token"
closed_port=$(free_port)	# nothing listens there: every SSH connect fails at once
# A syntactically valid known_hosts line; the key is never offered.
printf '[127.0.0.1]:%s ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBF1iC3g7kq7tAZDlJ3hcylN6F5LQ1mXy8qRBMnI6U8t\n' \
	"$closed_port" > "$T/known_hosts"
cat > "$T/agent.md" <<'EOA'
---
name: breakglass
description: Sweep agent.
tools: Bash, Read, Grep, Glob
---
You are a test agent.
EOA
# The stand-in CLI reads its transcript from the environment; the wrapper sets it.
cat > "$T/claude" <<EOC
#!/bin/sh
[ -f "$T/hang" ] && STANDIN_HANG_AT=1 && export STANDIN_HANG_AT
STANDIN_TRANSCRIPT="$BG_FIXTURES/local-text-plain.jsonl" exec "$STANDIN" "\$@"
EOC
chmod +x "$T/claude"
write_conf "$T/bg.conf" "$T/state" "bearer_token_file = $T/token" "trusted_proxies = 127.0.0.1" \
	"pve_host = 127.0.0.1" "pve_port = $closed_port" "known_hosts = $T/known_hosts" \
	"connect_timeout = 2" "verb_timeout = 5" "claude_bin = $T/claude" "agent_file = $T/agent.md" \
	"turn_timeout = 30"
lighttpd_start "$T/bg.conf" "$CGI" || { notok "lighttpd starts" "see above"; finish; exit 1; }

AUTH=(-H "Authorization: Bearer $TOKEN")
JSON=(-H "Content-Type: application/json")
AJ=("${AUTH[@]}" "${JSON[@]}")
audits=0	# records the requests so far should have appended
cases=0

# req EXPECTED_STATUS EXPECTED_CODE AUDITS NAME METHOD PATH [curl args...]
# Sends one request and checks its status and error code ("-": no error
# object). AUDITS is the number of audit records it should append.
req() {
	local status=$1 code=$2 add=$3 name=$4 method=$5 path=$6 got
	shift 6
	cases=$((cases + 1))
	audits=$((audits + add))
	http "$method" "$path" "$@"
	got=$(printf '%s' "$HTTP_BODY" | sed -n 's/.*"error":{"code":"\([a-z_]*\)".*/\1/p' | head -n 1)
	[ -n "$got" ] || got=-
	if [ "$HTTP_STATUS" = "$status" ] && [ "$got" = "$code" ]; then
		ok "$name: $status $code"
	else
		notok "$name: $status $code" "got $HTTP_STATUS $got: $(printf '%s' "$HTTP_BODY" | head -c 200)"
	fi
}

# raw NAME EXPECTED_STATUS: sends the bytes of $RAW as they are on a fresh
# connection, closes the write side, and checks the status line ("000":
# the server closed the connection without a response).
raw() {
	local name=$1 status=$2 got
	cases=$((cases + 1))
	got=$(RAW=$RAW python3 - "$LIGHTTPD_PORT" <<'PY'
import os, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(os.environ["RAW"].encode("latin-1").decode("unicode_escape").encode("latin-1"))
s.shutdown(socket.SHUT_WR)
data = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
except socket.timeout:
    pass
line = data.split(b"\r\n", 1)[0].decode("latin-1")
print(line.split(" ")[1] if line.startswith("HTTP/") else "000")
PY
)
	expect_eq "$name: $status" "$status" "$got"
}

# Two sessions: one for the chat cases, one whose turn runs during them.
http POST /session "${AJ[@]}" --data '{}'
SID=$(printf '%s' "$HTTP_BODY" | sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p')
http POST /session "${AJ[@]}" --data '{}'
SID2=$(printf '%s' "$HTTP_BODY" | sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p')
if [ -z "$SID" ] || [ -z "$SID2" ]; then notok "sessions for the sweep" "POST /session failed: $HTTP_BODY"; finish; exit 1; fi
UNKNOWN=0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d	# valid, never created
UPPER=$(printf '%s' "$SID" | tr a-f A-F)
big() { head -c "$1" /dev/zero | tr '\0' "${2:-a}"; }

# --- Authentication and identity headers (trusted_proxies = 127.0.0.1) ---
req 401 unauthorized 0 "no credentials" GET /session
req 401 unauthorized 0 "wrong bearer token" GET /session -H "Authorization: Bearer ${TOKEN}x"
req 401 unauthorized 0 "bearer scheme without a token" GET /session -H "Authorization: Bearer"
req 401 unauthorized 0 "basic credentials" GET /session -H "Authorization: Basic YWxpY2U6c2VjcmV0"
req 401 unauthorized 0 "token followed by more words" GET /session -H "Authorization: Bearer $TOKEN extra"
req 401 unauthorized 0 "two Authorization headers" GET /session "${AUTH[@]}" "${AUTH[@]}"
req 401 unauthorized 0 "token with a NUL-like escape" GET /session -H "Authorization: Bearer %00$TOKEN"
req 200 - 0 "bearer scheme in lowercase" GET /session -H "Authorization: bearer $TOKEN"
req 200 - 0 "identity header, dashed" GET /session -H 'X-authentik-username: alice'
req 200 - 0 "identity header, underscores" GET /session -H 'X_authentik_username: alice'
req 200 - 0 "identity header, dotted" GET /session -H 'X.Authentik.Username: alice'
req 200 - 0 "identity header, upper case" GET /session -H 'X-AUTHENTIK-USERNAME: alice'
req 400 bad_identity 0 "identity dashed and underscored" GET /session -H 'X-authentik-username: alice' -H 'X_authentik_username: mallory'
req 400 bad_identity 0 "identity dashed and dotted" GET /session -H 'X-authentik-username: alice' -H 'X.Authentik.Username: alice'
req 400 bad_identity 0 "identity underscored and dotted" GET /session -H 'X_authentik_username: alice' -H 'X.Authentik.Username: alice'
req 400 bad_identity 0 "identity repeated" GET /session -H 'X-authentik-username: alice' -H 'X-authentik-username: alice'
req 400 bad_identity 0 "identity in two cases" GET /session -H 'X-Authentik-Username: alice' -H 'x-authentik-username: bob'
req 400 bad_identity 0 "identity with a comma" GET /session -H 'X-authentik-username: alice, mallory'
req 400 bad_identity 0 "identity of 129 bytes" GET /session -H "X-authentik-username: $(big 129)"
req 400 bad_identity 0 "identity with a tab" GET /session -H $'X-authentik-username: al\tice'
req 400 bad_identity 0 "identity in UTF-8" GET /session -H $'X-authentik-username: \xc3\xa5lice'
req 400 bad_identity 0 "identity with invalid UTF-8" GET /session -H $'X-authentik-username: \xffalice'
req 401 unauthorized 0 "empty identity header" GET /session -H 'X-authentik-username;'
req 400 bad_identity 0 "bad identity is not rescued by the token" GET /session -H 'X-authentik-username: a,b' "${AUTH[@]}"
req 200 - 0 "identity of 128 bytes" GET /session -H "X-authentik-username: $(big 128)"

# --- Every route with every method ---
req 200 - 0 "GET /session" GET /session "${AUTH[@]}"
req 200 - 0 "HEAD /session" HEAD /session "${AUTH[@]}"
req 405 method_not_allowed 0 "DELETE /session" DELETE /session "${AJ[@]}"
req 405 method_not_allowed 0 "PUT /session" PUT /session "${AJ[@]}" --data '{}'
req 405 method_not_allowed 0 "PATCH /session" PATCH /session "${AJ[@]}" --data '{}'
req 405 method_not_allowed 0 "OPTIONS /session" OPTIONS /session "${AUTH[@]}"
req 405 method_not_allowed 0 "POST /session/<id>" POST "/session/$SID" "${AJ[@]}" --data '{}'
req 405 method_not_allowed 0 "DELETE /session/<id>" DELETE "/session/$SID" "${AJ[@]}"
req 405 method_not_allowed 0 "PUT /session/<id>" PUT "/session/$SID" "${AJ[@]}" --data '{}'
req 405 method_not_allowed 0 "PUT /chat" PUT "/chat?session=$SID" "${AJ[@]}" --data '{}'
req 405 method_not_allowed 0 "PATCH /chat" PATCH "/chat?session=$SID" "${AJ[@]}" --data '{}'
req 405 method_not_allowed 0 "OPTIONS /chat" OPTIONS /chat "${AUTH[@]}"
req 405 method_not_allowed 0 "DELETE /pve" DELETE /pve "${AJ[@]}"
req 405 method_not_allowed 0 "PUT /pve" PUT /pve "${AJ[@]}" --data '{"verb":"status"}'
req 405 method_not_allowed 0 "PATCH /pve" PATCH /pve "${AJ[@]}" --data '{"verb":"status"}'
req 200 - 0 "GET /pve" GET /pve "${AUTH[@]}"
req 405 method_not_allowed 0 "POST /audit" POST /audit "${AJ[@]}" --data '{}'
req 405 method_not_allowed 0 "DELETE /audit" DELETE /audit "${AJ[@]}"
req 405 method_not_allowed 0 "PUT /audit" PUT /audit "${AJ[@]}" --data '{}'
req 200 - 0 "HEAD /pve" HEAD /pve "${AUTH[@]}"
req 405 method_not_allowed 0 "OPTIONS /pve" OPTIONS /pve "${AUTH[@]}"
req 200 - 0 "HEAD /audit" HEAD /audit "${AUTH[@]}"
req 405 method_not_allowed 0 "OPTIONS /audit" OPTIONS /audit "${AUTH[@]}"
req 200 - 0 "HEAD /session/<id>" HEAD "/session/$SID" "${AUTH[@]}"
req 405 method_not_allowed 0 "PATCH /session/<id>" PATCH "/session/$SID" "${AJ[@]}" --data '{}'
req 405 method_not_allowed 0 "POST /session/<unknown id>" POST "/session/$UNKNOWN" "${AJ[@]}" --data '{}'
req 501 - 0 "an unknown method" FOO /session "${AUTH[@]}"
req 501 - 0 "a lowercase method" get /session "${AUTH[@]}"
req 404 not_found 0 "GET /chat/x" GET "/chat/x?session=$SID" "${AUTH[@]}"
req 404 not_found 0 "POST /pve/status" POST /pve/status "${AJ[@]}" --data '{"verb":"status"}'
req 404 not_found 0 "GET /audit/x" GET /audit/x "${AUTH[@]}"
req 404 not_found 0 "a PATH_INFO over 256 bytes" GET "/session/$(big 300)" "${AUTH[@]}"

# --- Content-Type and Origin of state-changing requests ---
req 415 unsupported_media_type 0 "POST /pve without Content-Type" POST /pve "${AUTH[@]}" -H 'Content-Type:' --data-binary '{"verb":"status"}'
req 415 unsupported_media_type 0 "POST /pve as text/plain" POST /pve "${AUTH[@]}" -H 'Content-Type: text/plain' --data '{"verb":"status"}'
req 415 unsupported_media_type 0 "POST /pve as application/jsonx" POST /pve "${AUTH[@]}" -H 'Content-Type: application/jsonx' --data '{"verb":"status"}'
req 415 unsupported_media_type 0 "POST /pve as a form" POST /pve "${AUTH[@]}" --data 'verb=status'
req 415 unsupported_media_type 0 "DELETE /chat without Content-Type" DELETE "/chat?session=$SID" "${AUTH[@]}"
req 403 bad_origin 0 "POST /pve from another site" POST /pve "${AJ[@]}" -H 'Origin: https://evil.example' --data '{"verb":"reset","confirm":"reset"}'
req 403 bad_origin 0 "POST /pve from Origin null" POST /pve "${AJ[@]}" -H 'Origin: null' --data '{"verb":"status"}'
req 403 bad_origin 0 "POST /pve with two Origins" POST /pve "${AJ[@]}" -H "Origin: $LIGHTTPD_URL" -H 'Origin: https://evil.example' --data '{"verb":"status"}'
req 403 bad_origin 0 "POST /pve from the same host over https" POST /pve "${AJ[@]}" -H "Origin: https://127.0.0.1:$LIGHTTPD_PORT" --data '{"verb":"status"}'
req 403 bad_origin 0 "DELETE /chat from another site" DELETE "/chat?session=$SID" "${AJ[@]}" -H 'Origin: https://evil.example'
req 403 bad_origin 0 "POST /chat from another site" POST /chat "${AJ[@]}" -H 'Origin: https://evil.example' --data "{\"session\":\"$SID\",\"message\":\"hi\"}"

# --- Bodies that are not one strict JSON object (POST /pve) ---
body() { req "$1" "$2" "$3" "$4" POST /pve "${AJ[@]}" --data-binary "$5"; }
body 400 bad_json 0 "empty body" ''
body 400 bad_json 0 "an open brace" '{'
body 400 bad_json 0 "an array" '["status"]'
body 400 bad_json 0 "null" 'null'
body 400 bad_json 0 "a bare string" '"status"'
body 400 bad_json 0 "a number" '1'
body 400 bad_json 0 "trailing bytes" '{"verb":"status"} x'
body 400 bad_json 0 "two objects" '{"verb":"status"}{}'
body 400 bad_json 0 "single quotes" "{'verb':'status'}"
body 400 bad_json 0 "a comment" '{"verb":"status"/* x */}'
body 400 bad_json 0 "a trailing comma" '{"verb":"status",}'
body 400 bad_json 0 "an unquoted key" '{verb:"status"}'
body 400 bad_json 0 "NaN" '{"verb":"status","n":NaN}'
body 400 bad_json 0 "Infinity" '{"verb":"status","n":-Infinity}'
body 400 bad_json 0 "a number beyond double" '{"verb":"status","n":1e999999}'
body 400 bad_json 0 "a byte-order mark" $'\xef\xbb\xbf{"verb":"status"}'
body 400 bad_json 0 "invalid UTF-8 in a string" $'{"verb":"st\xffatus"}'
body 400 bad_json 0 "overlong UTF-8 NUL" $'{"verb":"status\xc0\x80"}'
body 400 bad_json 0 "a UTF-8 surrogate" $'{"verb":"\xed\xa0\x80"}'
body 400 bad_json 0 "a control character in a string" $'{"verb":"sta\x01tus"}'
body 400 bad_json 0 "10,000 open brackets" "{\"verb\":$(big 10000 '[')"
body 400 bad_json 0 "10,000 closed brackets deep" "{\"x\":$(big 10000 '[')$(big 10000 ']'),\"verb\":\"status\"}"
body 400 bad_json 0 "17 levels of objects" "$(for i in $(seq 17); do printf '{"a":'; done)1$(big 17 '}')"
req 400 bad_json 0 "a raw NUL byte in the body" POST /pve "${AJ[@]}" --data-binary @<(printf '{"verb":"st\0atus"}')
req 413 body_too_large 0 "a body of 64 KiB + 1" POST /pve "${AJ[@]}" --data-binary @<(printf '{"verb":"status"}'; big $((65536 - 16)) ' ')
req 400 bad_json 0 "a body shorter than its Content-Length header says" POST /pve "${AJ[@]}" -H 'Content-Length: 5' --data-binary '{"verb":"status"}'

# --- Wrong types, missing, extra and duplicate fields (POST /pve) ---
body 400 bad_verb 1 "verb is a number" '{"verb":1}'
body 400 bad_verb 1 "verb is null" '{"verb":null}'
body 400 bad_verb 1 "verb is true" '{"verb":true}'
body 400 bad_verb 1 "verb is an array" '{"verb":["status"]}'
body 400 bad_verb 1 "verb is an object" '{"verb":{"name":"status"}}'
body 400 bad_verb 1 "verb is missing" '{}'
body 400 bad_verb 1 "verb is misspelled as a key" '{"Verb":"status"}'
body 400 bad_verb 1 "verb is empty" '{"verb":""}'
body 400 bad_verb 1 "verb in upper case" '{"verb":"STATUS"}'
body 400 bad_verb 1 "verb with a trailing space" '{"verb":"status "}'
body 400 bad_verb 1 "verb with a leading space" '{"verb":" status"}'
body 400 bad_verb 1 "verb with a newline" '{"verb":"status\n"}'
body 400 bad_verb 1 "verb with an escaped NUL" '{"verb":"status\u0000x"}'
body 400 bad_verb 1 "verb with a shell command" '{"verb":"status;reboot"}'
body 400 bad_verb 1 "verb with an argument" '{"verb":"status 103"}'
body 400 bad_verb 1 "verb with a qm option" '{"verb":"stop --skiplock"}'
body 400 bad_verb 1 "verb in Cyrillic look-alikes" '{"verb":"\u0455tatus"}'
body 400 bad_verb 1 "verb with a zero-width space" '{"verb":"status\u200b"}'
body 400 bad_verb 1 "verb is a lone surrogate escape" '{"verb":"\ud800"}'
body 400 bad_verb 1 "verb that is not whitelisted" '{"verb":"destroy"}'
body 400 bad_verb 1 "verb of 4 KiB" "{\"verb\":\"$(big 4096)\"}"
body 428 confirm_required 1 "reset without confirm" '{"verb":"reset"}'
body 428 confirm_required 1 "reset confirmed in upper case" '{"verb":"reset","confirm":"RESET"}'
body 428 confirm_required 1 "reset confirmed as another verb" '{"verb":"reset","confirm":"cycle"}'
body 428 confirm_required 1 "cycle confirmed with a number" '{"verb":"cycle","confirm":1}'
body 428 confirm_required 1 "stop confirmed with null" '{"verb":"stop","confirm":null}'
body 428 confirm_required 1 "stop confirmed with a space" '{"verb":"stop","confirm":"stop "}'
body 428 confirm_required 1 "start confirmed with true" '{"verb":"start","confirm":true}'
body 400 duplicate_key 0 "a duplicate verb" '{"verb":"status","verb":"reset"}'
body 400 duplicate_key 0 "a duplicate verb hiding a bad one" '{"verb":"destroy","verb":"status"}'
body 400 duplicate_key 0 "a second confirm smuggling one in" '{"verb":"stop","confirm":"x","confirm":"stop"}'
body 400 duplicate_key 0 "a duplicate spelled with an escape" '{"verb":"stop","confirm":"x","confir\u006d":"stop"}'
body 502 ssh_connect 2 "an extra field is ignored" '{"verb":"status","extra":[1,2,{"x":null}]}'
body 502 ssh_connect 2 "a read-only verb with confirm" '{"verb":"forensics","confirm":"forensics"}'
body 502 ssh_connect 2 "a huge integer in an extra field" '{"verb":"status","n":123456789012345678901234567890}'
body 502 ssh_connect 2 "reset confirmed, host unreachable" '{"verb":"reset","confirm":"reset"}'
req 502 ssh_connect 2 "JSON with a charset parameter" POST /pve "${AUTH[@]}" -H 'Content-Type: application/json; charset=utf-8' --data '{"verb":"status"}'
req 502 ssh_connect 2 "a chunked body" POST /pve "${AJ[@]}" -H 'Transfer-Encoding: chunked' --data '{"verb":"status"}'

# --- Chat: bodies, session ids, queries, Last-Event-ID ---
chat() { req "$1" "$2" 0 "$3" POST /chat "${AJ[@]}" --data-binary "$4"; }
chat 400 bad_session "chat without a session" '{"message":"hi"}'
chat 400 bad_session "chat session is a number" '{"session":1,"message":"hi"}'
chat 400 bad_session "chat session is null" '{"session":null,"message":"hi"}'
chat 400 bad_session "chat session is not a UUID" '{"session":"../../etc","message":"hi"}'
chat 400 bad_session "chat session in upper case" "{\"session\":\"$UPPER\",\"message\":\"hi\"}"
chat 400 bad_session "chat session with a newline" "{\"session\":\"$SID\n\",\"message\":\"hi\"}"
chat 400 bad_session "chat session with an escaped NUL" "{\"session\":\"$SID\\u0000\",\"message\":\"hi\"}"
chat 400 bad_session "chat session like an option" '{"session":"--resume","message":"hi"}'
chat 404 session_not_found "chat in an unknown session" "{\"session\":\"$UNKNOWN\",\"message\":\"hi\"}"
chat 400 bad_message "chat without a message" "{\"session\":\"$SID\"}"
chat 400 bad_message "chat message is null" "{\"session\":\"$SID\",\"message\":null}"
chat 400 bad_message "chat message is empty" "{\"session\":\"$SID\",\"message\":\"\"}"
chat 400 bad_message "chat message is a number" "{\"session\":\"$SID\",\"message\":1}"
chat 400 bad_message "chat message is an array" "{\"session\":\"$SID\",\"message\":[\"hi\"]}"
chat 400 bad_message "chat message with an escaped NUL" "{\"session\":\"$SID\",\"message\":\"a\\u0000b\"}"
chat 400 bad_message "chat message of 32 KiB + 1" "{\"session\":\"$SID\",\"message\":\"$(big 32769)\"}"
chat 400 bad_json "chat message with invalid UTF-8" $'{"session":"'"$SID"$'","message":"\xff"}'
chat 400 bad_json "chat body with NaN" "{\"session\":\"$SID\",\"message\":\"hi\",\"n\":NaN}"
q() { req "$1" "$2" 0 "$3" GET "$4" "${AUTH[@]}" "${@:5}"; }
q 400 bad_session "GET /chat without a session" /chat
q 400 bad_session "GET /chat with session repeated" "/chat?session=$SID&session=$SID"
q 400 bad_session "GET /chat with an empty session" "/chat?session="
q 400 bad_session "GET /chat with session but no value" "/chat?session"
q 400 bad_session "GET /chat with a bad escape" "/chat?session=%zz"
q 400 - "GET /chat with an encoded NUL (lighttpd refuses it)" "/chat?session=$SID%00"
q 400 bad_session "GET /chat with an encoded traversal" "/chat?session=..%2F..%2Fetc"
q 400 bad_session "GET /chat with a plus for a dash" "/chat?session=${SID//-/+}"
q 404 session_not_found "GET /chat in an unknown session" "/chat?session=$UNKNOWN"
q 200 - "GET /chat with the id percent-encoded" "/chat?session=${SID//-/%2d}"
q 400 bad_after "after is negative" "/chat?session=$SID&after=-1"
q 400 bad_after "after is not a number" "/chat?session=$SID&after=abc"
q 400 bad_after "after is huge" "/chat?session=$SID&after=99999999999999999999"
q 400 bad_after "after is a fraction" "/chat?session=$SID&after=1.5"
q 400 bad_after "after is repeated" "/chat?session=$SID&after=1&after=2"
q 400 bad_after "after has a bad escape" "/chat?session=$SID&after=%g1"
q 200 - "after is zero" "/chat?session=$SID&after=0"
q 400 bad_after "Last-Event-ID is negative" "/chat?session=$SID" -H 'Last-Event-ID: -5'
q 400 bad_after "Last-Event-ID is huge" "/chat?session=$SID" -H 'Last-Event-ID: 184467440737095516160'
q 400 bad_after "Last-Event-ID is not a number" "/chat?session=$SID" -H 'Last-Event-ID: abc'
q 400 bad_after "Last-Event-ID with a space inside" "/chat?session=$SID" -H 'Last-Event-ID: 1 2'
q 400 bad_after "Last-Event-ID wins over a good after" "/chat?session=$SID&after=1" -H 'Last-Event-ID: x'
q 200 - "Last-Event-ID is a number" "/chat?session=$SID" -H 'Last-Event-ID: 3'
req 400 bad_session 0 "DELETE /chat with a bad id" DELETE "/chat?session=$UPPER" "${AJ[@]}"
req 409 turn_not_running 1 "DELETE /chat with no turn running" DELETE "/chat?session=$SID" "${AJ[@]}"

# --- Sessions and the audit log ---
q 400 bad_session "GET /session/<id in upper case>" "/session/$UPPER"
q 400 bad_session "GET /session/<id too short>" "/session/${SID%?}"
q 400 bad_session "GET /session/<id with an extra char>" "/session/${SID}0"
q 200 - "GET /session/<encoded traversal> leaves the route for the page" "/session/..%2f..%2fetc%2fpasswd"
expect_match "the traversal gets the page, not a file outside htdocs" '^<!doctype html>' "$HTTP_BODY"
q 400 - "GET /session/<encoded NUL> (lighttpd refuses it)" "/session/$SID%00"
q 400 bad_session "GET /session/<id>/events" "/session/$SID/events"
q 404 session_not_found "GET /session/<unknown id>" "/session/$UNKNOWN"
req 400 bad_request 0 "POST /session with a client id" POST /session "${AJ[@]}" --data "{\"id\":\"$UNKNOWN\"}"
req 400 bad_json 0 "POST /session with an array" POST /session "${AJ[@]}" --data '[]'
q 400 bad_limit "audit limit 0" "/audit?limit=0"
q 400 bad_limit "audit limit -1" "/audit?limit=-1"
q 400 bad_limit "audit limit 501" "/audit?limit=501"
q 400 bad_limit "audit limit in exponent form" "/audit?limit=1e2"
q 400 bad_limit "audit limit with a plus" "/audit?limit=+5"
q 400 bad_limit "audit limit repeated" "/audit?limit=5&limit=5"
q 400 bad_limit "audit limit empty" "/audit?limit="
q 400 - "audit limit with an encoded NUL (lighttpd refuses it)" "/audit?limit=5%00"
q 200 - "audit limit percent-encoded" "/audit?limit=%35"
q 400 bad_request "a query string over 4 KiB" "/audit?limit=5&x=$(big 5000)"

# --- Requests lighttpd ends before any program runs ---
RAW=$'POST /pve HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer '"$TOKEN"$'\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{"verb":"status"}'
raw "a body longer than the Content-Length header promises, then EOF" 000
RAW=$'POST /pve HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\nConnection: close\r\n\r\n'
raw "a negative Content-Length" 400
RAW=$'POST /pve HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\nConnection: close\r\n\r\n'
raw "a Content-Length that is not a number" 400
RAW=$'POST /pve HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 6\r\nConnection: close\r\n\r\n{}'
raw "two Content-Length headers" 400
RAW=$'GET /session HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer '"$TOKEN"$'\r\nX-authentik-username: a\\x00b\r\nConnection: close\r\n\r\n'
raw "a NUL byte in a header" 400

# --- A real turn, and hostile requests while it runs ---
if [ ! -x "$STANDIN" ]; then
	echo "# no stand-in CLI at $STANDIN: the running-turn cases are left out"
else
	touch "$T/hang"	# the stand-in stops after its first line until signalled
	curl -sS -N --max-time 30 -o "$T/turn.sse" "${AJ[@]}" -X POST \
		--data "{\"session\":\"$SID2\",\"message\":\"what is wrong?\"}" "$LIGHTTPD_URL/chat" &
	turn_pid=$!
	for _ in $(seq 50); do
		grep -q '^event: ' "$T/turn.sse" 2>/dev/null && break
		sleep 0.1
	done
	audits=$((audits + 1))	# chat.start
	req 409 turn_running 1 "a second turn in a running session" POST /chat "${AJ[@]}" \
		--data-binary "{\"session\":\"$SID2\",\"message\":\"again\"}"	# chat.refused
	q 400 bad_after "following a running turn after a bad id" "/chat?session=$SID2&after=-1"
	req 202 - 1 "DELETE /chat stops the running turn" DELETE "/chat?session=$SID2" "${AJ[@]}"
	wait "$turn_pid"
	audits=$((audits + 1))	# chat.end, written by the turn's supervisor
	expect_match "the stopped turn's stream ends with done" 'event: done' "$(cat "$T/turn.sse")"
	rm -f "$T/hang"
fi

# --- Afterwards: nothing crashed, held, cut short or lost ---
expect_match "the sweep sent at least 100 requests" '^([1-9][0-9]{2,})$' "$cases"
for _ in $(seq 50); do	# the supervisor writes chat.end as it exits
	[ "$(wc -l < "$T/state/audit.jsonl")" -ge "$audits" ] && break
	sleep 0.1
done
if grep -qE 'Sanitizer|runtime error|segfault|core dumped' "$LIGHTTPD_LOG"; then
	notok "no program reported a sanitizer error or crashed" "$(grep -E 'Sanitizer|runtime error|segfault' "$LIGHTTPD_LOG" | head -n 5)"
else
	ok "no program reported a sanitizer error or crashed"
fi
held=""
for lock in "$T/state/pve.lock" "$T"/state/sessions/*/turn.lock; do
	[ -e "$lock" ] || continue
	flock -n "$lock" true || held="$held $lock"
done
expect_eq "no lock is left held" "" "$held"
expect_eq "no partial file is left in state_dir" "" "$(find "$T/state" -name '*.tmp*' -print)"
expect_eq "bad requests created no session and left none half made" "2 2" \
	"$(find "$T/state/sessions" -mindepth 1 -maxdepth 1 -type d | wc -l) $(find "$T/state/sessions" -name meta.json | wc -l)"
expect_eq "the audit log holds one record per audited request" "$audits" "$(wc -l < "$T/state/audit.jsonl")"
bad=$(python3 - "$T/state" <<'PY'
import glob, json, os, sys
state = sys.argv[1]
bad = []
def lines(path):
    data = open(path, "rb").read()
    if data and not data.endswith(b"\n"):
        bad.append(path + ": last line is not whole")
    return [l for l in data.split(b"\n") if l]
actions = {}
for line in lines(os.path.join(state, "audit.jsonl")):
    try:
        rec = json.loads(line)
        missing = {"id", "time", "user", "remote", "action", "ok"} - rec.keys()
        if missing:
            bad.append("audit record without %s" % sorted(missing))
        actions[rec.get("action")] = actions.get(rec.get("action"), 0) + 1
    except ValueError:
        bad.append("audit record is not JSON: %r" % line[:80])
# Every verb begun has its outcome, and every turn started its end.
for begin, end in (("pve.begin", "pve.run"), ("chat.start", "chat.end")):
    if actions.get(begin, 0) != actions.get(end, 0):
        bad.append("%d %s records but %d %s" % (actions.get(begin, 0), begin, actions.get(end, 0), end))
for meta in glob.glob(os.path.join(state, "sessions", "*", "meta.json")):
    try:
        json.load(open(meta))
    except ValueError:
        bad.append(meta + " is not JSON")
for log in glob.glob(os.path.join(state, "sessions", "*", "events.jsonl")):
    for line in lines(log):
        try:
            json.loads(line)
        except ValueError:
            bad.append(log + ": a line is not JSON")
print("; ".join(bad))
PY
)
expect_eq "every audit record, metadata file and event line is whole JSON" "" "$bad"
finish
