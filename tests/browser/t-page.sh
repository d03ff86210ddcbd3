#!/usr/bin/env bash
# t-page.sh: the page in headless Chromium against a real lighttpd and the real
# CGIs of build/cgi-bin: sign-in, sessions, chat turns (with the stand-in
# claude) and power verbs (through the test sshd, the gate and the stand-in qm).
# The cases themselves are in page.mjs; screenshots go to build/artefacts/browser/.
. "$(dirname "$0")/../lib.sh"

for need in /usr/bin/chromium node lighttpd; do
	if ! command -v "$need" >/dev/null 2>&1; then
		notok "browser tests" "$need is not installed; run make deps"
		finish
		exit
	fi
done
if [ ! -d "$BG_ROOT/tests/node_modules/playwright-core" ]; then
	notok "browser tests" "tests/node_modules/playwright-core is missing; run make deps"
	finish
	exit
fi
if [ ! -f "$BG_ROOT/htdocs/vendor/markdown-it.esm.min.mjs" ]; then
	notok "browser tests" "htdocs/vendor/ is empty; run make vendor"
	finish
	exit
fi

scratch
export T
export BG_ARTEFACTS=${BG_ARTEFACTS:-$BG_BUILD/artefacts/browser}
mkdir -p "$BG_ARTEFACTS"

token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$token" > "$T/token"
conf_lines=("bearer_token_file = $T/token")

# The chat cases need cgi-bin/chat and the stand-in claude, and the power cases
# need cgi-bin/pve and the test sshd: peers.sh sets them up.
export BG_FIXTURES BG_HAVE_CHAT=0 BG_HAVE_PVE=0
. "$BG_ROOT/tests/browser/peers.sh"

write_conf "$T/breakglass.conf" "$T/state" "${conf_lines[@]}"
lighttpd_start "$T/breakglass.conf" || { notok "lighttpd starts" "see above"; finish; exit; }
export BG_URL=$LIGHTTPD_URL BG_TOKEN=$token BG_LIGHTTPD_PID=$LIGHTTPD_PID

cd "$BG_ROOT/tests/browser" || exit 1
node page.mjs
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "lighttpd log:"
	tail -n 30 "$LIGHTTPD_LOG"
	_bg_failed=1
fi
finish
