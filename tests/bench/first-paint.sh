#!/usr/bin/env bash
# tests/bench/first-paint.sh: how long the page takes to paint through lighttpd,
# next to a near-empty static HTML page (one paragraph, so that it has a first
# contentful paint) served by the same lighttpd in the same run.
#
#   tests/bench/first-paint.sh [RUNS]    (run make and make vendor first)
#
# Each run opens a fresh tab in headless Chromium (/usr/bin/chromium, driven by
# playwright-core) with the browser cache disabled, and reads the page's own
# Paint Timing entries. "ready" is when the page has asked the server whether
# a sign-in is needed and shown the result (the sign-in form, as no token is
# set); it is read after playwright sees the class change, so it runs a few
# milliseconds late. Medians and 90th percentiles over RUNS (default 30) are
# printed.
set -eu
. "$(dirname "$0")/../lib.sh"
runs=${1:-30}

scratch
export T
token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$token" > "$T/token"
write_conf "$T/breakglass.conf" "$T/state" "bearer_token_file = $T/token"

# The baseline is served from its own folder by the same server, with the
# same headers; a conditional document root keeps htdocs/ untouched.
mkdir -p "$T/baseline"
printf '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>baseline</title></head><body><p>baseline</p></body></html>\n' \
	> "$T/baseline/bench-baseline.html"
lighttpd_start "$T/breakglass.conf" "$BG_BUILD/cgi-bin" \
	"\$HTTP[\"url\"] == \"/bench-baseline.html\" { server.document-root = \"$T/baseline\" }"

cd "$BG_ROOT/tests/browser"
BG_URL=$LIGHTTPD_URL BG_RUNS=$runs node --input-type=module <<'JS'
import { launch } from './harness.mjs';

const base = process.env.BG_URL;
const runs = Number(process.env.BG_RUNS);
const browser = await launch(base);
const { context } = browser;

async function measure(path, readyClass) {
	const page = await context.newPage();
	const cdp = await context.newCDPSession(page);
	await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
	const started = Date.now();
	await page.goto(base + path, { waitUntil: 'load' });
	if (readyClass)
		await page.waitForFunction((cls) => document.documentElement.classList.contains(cls), readyClass);
	const timing = await page.evaluate(() => {
		const paint = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]));
		return { fp: paint['first-paint'], fcp: paint['first-contentful-paint'], now: performance.now() };
	});
	await page.close();
	return { ...timing, wall: Date.now() - started };
}

function stats(values) {
	const sorted = values.filter((v) => typeof v === 'number').sort((a, b) => a - b);
	const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
	return { median: at(0.5), p90: at(0.9), n: sorted.length };
}

const rows = { baseline: [], page: [] };
await measure('/bench-baseline.html');	// warm up lighttpd and Chromium
await measure('/', 'auth-signin');
for (let i = 0; i < runs; i++) {
	rows.baseline.push(await measure('/bench-baseline.html'));
	rows.page.push(await measure('/', 'auth-signin'));
}
await browser.close();

const fmt = (s) => `${s.median.toFixed(1)} ms (p90 ${s.p90.toFixed(1)})`;
console.log(`first paint through lighttpd, ${runs} runs each, cache disabled`);
for (const [name, list] of Object.entries(rows)) {
	console.log(`${name.padEnd(9)} first-contentful-paint ${fmt(stats(list.map((r) => r.fcp)))}`);
}
console.log(`page      ready (sign-in shown)    ${fmt(stats(rows.page.map((r) => r.now)))}`);
const ratio = stats(rows.page.map((r) => r.fcp)).median / stats(rows.baseline.map((r) => r.fcp)).median;
console.log(`page / baseline first-contentful-paint: ${ratio.toFixed(2)}x`);
JS
