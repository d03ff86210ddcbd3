#!/usr/bin/env bash
# tests/integration/t-http.sh: the foundation through a real lighttpd with the
# project's configuration: auth, sessions, audit, headers, routing edges.
. "$(dirname "$0")/../lib.sh"
scratch

TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/token"
write_conf "$T/bg.conf" "$T/state" "bearer_token_file = $T/token" "trusted_proxies = 127.0.0.1"
lighttpd_start "$T/bg.conf" || { notok "lighttpd starts" "see above"; finish; exit 1; }
AUTH=(-H "Authorization: Bearer $TOKEN")
JSON=(-H "Content-Type: application/json")

count_sessions() { find "$T/state/sessions" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l; }

http GET /session
expect_eq "GET /session without auth is 401" 401 "$HTTP_STATUS"
expect_match "401 carries the Bearer challenge" 'WWW-Authenticate: Bearer realm="breakglass"' "$HTTP_HEADERS"

http POST /session "${AUTH[@]}" "${JSON[@]}" --data '{}'
expect_eq "POST /session is 201" 201 "$HTTP_STATUS"
sid=$(printf '%s' "$HTTP_BODY" | sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p')
expect_match "POST /session returns a UUID v4" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' "$sid"

http GET /session "${AUTH[@]}"
expect_eq "GET /session is 200" 200 "$HTTP_STATUS"
expect_match "the list holds the new session" "\"id\":\"$sid\"" "$HTTP_BODY"
expect_match "JSON answers are not cached" 'Cache-Control: no-store' "$HTTP_HEADERS"
expect_match "CSP forbids other origins and inline script" "Content-Security-Policy: default-src 'self'" "$HTTP_HEADERS"
expect_match "nosniff is set" 'X-Content-Type-Options: nosniff' "$HTTP_HEADERS"
expect_match "framing is denied" 'X-Frame-Options: DENY' "$HTTP_HEADERS"
expect_match "no referrer leaves" 'Referrer-Policy: no-referrer' "$HTTP_HEADERS"

http GET "/session/$sid" "${AUTH[@]}"
expect_eq "GET /session/<id> is 200" 200 "$HTTP_STATUS"
expect_match "GET /session/<id> has events" '"events":\[' "$HTTP_BODY"

# Paths below a route must reach the program as PATH_INFO, never be served
# as a file: a binary starts with ELF.
for path in /session/x/y /chat/x /pve/x /audit/x /session/../cgi-bin/session; do
	http GET "$path" "${AUTH[@]}"
	if printf '%s' "$HTTP_BODY" | head -c 4 | grep -q 'ELF'; then
		notok "GET $path never returns a binary" "got an ELF file"
	else
		ok "GET $path never returns a binary"
	fi
done
http GET /session/x/y "${AUTH[@]}"
expect_eq "GET /session/x/y is 400 bad_session" 400 "$HTTP_STATUS"

before=$(count_sessions)
http POST /session "${AUTH[@]}" "${JSON[@]}" --data-binary @<(head -c 70000 /dev/zero | tr '\0' ' ')
expect_eq "a body over 64 KiB is 413" 413 "$HTTP_STATUS"
http POST /session "${AUTH[@]}" "${JSON[@]}" -H 'Origin: https://evil.example' --data '{}'
expect_eq "a cross-site Origin is 403" 403 "$HTTP_STATUS"
expect_match "403 names bad_origin" '"code":"bad_origin"' "$HTTP_BODY"
http POST /session "${AUTH[@]}" "${JSON[@]}" -H "Origin: $LIGHTTPD_URL" --data '{}'
expect_eq "the page's own Origin may POST" 201 "$HTTP_STATUS"
http POST /session "${AUTH[@]}" --data '{}'
expect_eq "a form-encoded POST is 415" 415 "$HTTP_STATUS"
http POST /session "${AUTH[@]}" "${JSON[@]}" --data '{"id":"../x"}'
expect_eq "a client-chosen id is 400" 400 "$HTTP_STATUS"
http GET /session/--help "${AUTH[@]}"
expect_eq "an option-like id is 400" 400 "$HTTP_STATUS"
expect_eq "bad requests create no session" "$((before + 1))" "$(count_sessions)"

# lighttpd maps X_authentik_username and X.Authentik.Username to the same
# CGI variable and passes both: a duplicate is 400, never a login.
http GET /session -H 'X-authentik-username: alice'
expect_eq "the identity header from a trusted proxy logs in" 200 "$HTTP_STATUS"
http GET /session -H 'X-authentik-username: alice' -H 'X_authentik_username: mallory'
expect_eq "the identity header in two spellings is 400" 400 "$HTTP_STATUS"
http GET /session -H 'X-authentik-username: alice' -H 'X-authentik-username: mallory'
expect_eq "a repeated identity header is 400" 400 "$HTTP_STATUS"
http GET /session -H 'X.Authentik.Username: alice' -H 'X-authentik-username: alice'
expect_eq "the dotted spelling with the dashed one is 400" 400 "$HTTP_STATUS"

http GET '/audit?limit=5' "${AUTH[@]}"
expect_eq "GET /audit is 200" 200 "$HTTP_STATUS"
expect_match "GET /audit returns records" '^\{"records":\[' "$HTTP_BODY"
http GET '/audit?limit=9999' "${AUTH[@]}"
expect_eq "GET /audit?limit=9999 is 400" 400 "$HTTP_STATUS"

# The page: any path that is not a file serves index.html.
if [ -f "$BG_ROOT/htdocs/index.html" ]; then
	http GET /
	expect_eq "GET / serves the page" 200 "$HTTP_STATUS"
	page=$HTTP_BODY
	http GET /some/deep/link
	expect_eq "an unknown path falls back to the page" 200 "$HTTP_STATUS"
	expect_eq "the fallback is index.html" "$page" "$HTTP_BODY"
	expect_match "static files carry the CSP too" "Content-Security-Policy: default-src 'self'" "$HTTP_HEADERS"
else
	notok "GET / serves the page" "htdocs/index.html is missing"
fi

if grep -qiE 'Sanitizer|segfault|core dumped' "$LIGHTTPD_LOG"; then
	notok "no CGI crashed" "$(grep -iE 'Sanitizer|segfault' "$LIGHTTPD_LOG" | head -3)"
else
	ok "no CGI crashed"
fi
finish
