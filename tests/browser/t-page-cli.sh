#!/usr/bin/env bash
# t-page-cli.sh: one chat turn through the page with the real Claude Code CLI
# (pinned in tests/package.json) against the scripted Messages API on loopback
# (tests/tools/fake-anthropic.py). The CLI's Bash tool runs a real command, and
# the page shows the streamed text, the tool card with the real output, and
# the result.
. "$(dirname "$0")/../lib.sh"

CLAUDE=
for c in "$BG_ROOT/tests/node_modules/@anthropic-ai/claude-code-linux-x64/claude" \
	"$BG_ROOT/tests/node_modules/@anthropic-ai/claude-code/bin/claude.exe"; do
	if [ -x "$c" ]; then CLAUDE=$c; break; fi
done
for need in /usr/bin/chromium node lighttpd python3; do
	command -v "$need" >/dev/null 2>&1 || { notok "page with the real CLI" "$need is not installed; run make deps"; finish; exit; }
done
if [ -z "$CLAUDE" ] || [ ! -d "$BG_ROOT/tests/node_modules/playwright-core" ]; then
	notok "page with the real CLI" "the pinned npm packages are missing; run make deps"
	finish
	exit
fi
if [ ! -x "$BG_BUILD/cgi-bin/chat" ]; then
	notok "page with the real CLI" "$BG_BUILD/cgi-bin/chat is missing; run make"
	finish
	exit
fi

scratch
export T
python3 "$BG_ROOT/tests/tools/fake-anthropic.py" --port-file "$T/api.port" --log "$T/api.log" 2>"$T/api.err" &
on_exit "kill $!"
for ((i = 0; i < 100; i++)); do [ -s "$T/api.port" ] && break; sleep 0.05; done
[ -s "$T/api.port" ] || { notok "the scripted Messages API starts" "$(cat "$T/api.err")"; finish; exit; }

token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$token" > "$T/token"
mkdir -p "$T/home"
write_conf "$T/breakglass.conf" "$T/state" "bearer_token_file = $T/token" "claude_bin = $CLAUDE" \
	"agent_file = $BG_ROOT/conf/agent/breakglass.md" "turn_timeout = 60" \
	"agent_env = ANTHROPIC_API_KEY,ANTHROPIC_BASE_URL,CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC,CLAUDE_CODE_MAX_RETRIES"
# lighttpd passes a CGI only the variables it is configured with.
lighttpd_start "$T/breakglass.conf" "" "setenv.add-environment += (
	\"ANTHROPIC_BASE_URL\" => \"http://127.0.0.1:$(cat "$T/api.port")\",
	\"ANTHROPIC_API_KEY\" => \"sk-ant-test-dummy\",
	\"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC\" => \"1\",
	\"CLAUDE_CODE_MAX_RETRIES\" => \"1\",
	\"HOME\" => \"$T/home\",
)" || { notok "lighttpd starts" "see above"; finish; exit; }

cd "$BG_ROOT/tests/browser" || exit 1
BG_URL=$LIGHTTPD_URL BG_TOKEN=$token BG_TAG="bgpage$$" node --input-type=module <<'JS'
import { check, failed, assert, launch, waitForText, waitForClass } from './harness.mjs';

const base = process.env.BG_URL;
const tag = process.env.BG_TAG;
const TURN_TIMEOUT_MS = 60000;
const browser = await launch(base);
const page = browser.context.pages()[0] || await browser.context.newPage();

try {
	await check('real CLI turn streams a Bash card', async () => {
		await page.goto(base);
		await page.fill('#token', process.env.BG_TOKEN);
		await page.press('#token', 'Enter');
		await waitForClass(page, 'auth-ok');
		await page.fill('#message', `SCENARIO:bash echo ${tag}-out; uname -s`);
		await page.press('#message', 'Enter');
		await waitForText(page, '#log .tool .tool-name', 'Bash', TURN_TIMEOUT_MS);
		await waitForText(page, '#log .tool .tool-arg', `echo ${tag}-out; uname -s`);
		await waitForText(page, '#log .tool .tool-output pre', `${tag}-out\nLinux`, TURN_TIMEOUT_MS);
		await waitForText(page, '#log .result', 'Finished', TURN_TIMEOUT_MS);
		await waitForText(page, '#log .text', `${tag}-out`);
		await waitForClass(page, 'turn-idle');
	});

	await check('real CLI turn logs no console errors', async () => {
		const { consoleErrors, pageErrors, foreign } = browser.watch;
		// The 401 before sign-in and /pve, which has no Proxmox host in this
		// configuration, show as failed resource loads.
		const expected = (entry) => /Failed to load resource/.test(entry.text) &&
		    (/status of 401/.test(entry.text) || new URL(entry.url).pathname === '/pve');
		const unexpected = consoleErrors.filter((entry) => !expected(entry));
		assert(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
		assert(unexpected.length === 0, `console errors: ${unexpected.map((e) => e.text).join(' | ')}`);
		assert(foreign.length === 0, `requests to ${foreign.join(', ')}`);
	});
} finally {
	await browser.close();
}
process.exitCode = failed() ? 1 : 0;
JS
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "lighttpd log:"
	tail -n 20 "$LIGHTTPD_LOG"
	_bg_failed=1
fi
finish
