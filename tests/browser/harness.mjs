// harness.mjs: what every browser test shares: Debian's Chromium through
// playwright-core, "ok"/"not ok" case lines, and watchers for console errors
// and requests to other origins.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.BG_CHROMIUM || '/usr/bin/chromium';
export const TIMEOUT_MS = 8000;

let anyFailed = false;

function oneLine(text) {
	return String(text).replace(/\s+/g, ' ').slice(0, 400);
}

// Run one case: print "ok NAME", or "not ok NAME: why" when fn throws.
export async function check(name, fn) {
	try {
		await fn();
		console.log(`ok ${name}`);
	} catch (err) {
		anyFailed = true;
		console.log(`not ok ${name}: ${oneLine(err && err.message ? err.message : err)}`);
	}
}

// Report a case that cannot run here; tests/run counts neither ok nor not ok.
export function skip(name, why) {
	console.log(`# skip ${name}: ${why}`);
}

export function failed() {
	return anyFailed;
}

export function assert(condition, message) {
	if (!condition)
		throw new Error(message);
}

// Launch Chromium with a fresh profile; return { context, close }.
export async function launch(baseUrl) {
	const profile = mkdtempSync(join(process.env.T || tmpdir(), 'chromium-profile-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: [
			'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync',
		],
		viewport: { width: 1280, height: 860 },
		timeout: 30000,
	});
	context.setDefaultTimeout(TIMEOUT_MS);

	const origin = new URL(baseUrl).origin;
	// allowed: predicates of { status, url } for error responses a case
	// provokes on purpose; a 401 before sign-in is always expected.
	const watch = { foreign: [], consoleErrors: [], pageErrors: [], badResponses: [], allowed: [] };
	watch.unexpectedBad = () => watch.badResponses.filter((bad) =>
	    bad.status !== 401 && !watch.allowed.some((allow) => allow(bad)));
	context.on('request', (request) => {
		const url = request.url();
		if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin)
			watch.foreign.push(url);
	});
	context.on('response', (response) => {
		if (response.status() >= 400)
			watch.badResponses.push({ status: response.status(), url: response.url() });
	});
	const watchPage = (page) => {
		page.on('console', (message) => {
			if (message.type() === 'error')
				watch.consoleErrors.push({ text: message.text(), url: message.location().url });
		});
		page.on('pageerror', (err) => watch.pageErrors.push(err.message));
	};
	context.on('page', watchPage);
	for (const page of context.pages())
		watchPage(page);

	return {
		context,
		watch,
		async close() {
			await context.close();
			rmSync(profile, { recursive: true, force: true });
		},
	};
}

// Wait until the text of some element matching selector contains text.
export async function waitForText(page, selector, text, timeout = TIMEOUT_MS) {
	try {
		await page.waitForFunction(([sel, want]) => [...document.querySelectorAll(sel)]
		    .some((node) => node.textContent.includes(want)), [selector, text], { timeout });
	} catch {
		const got = await page.evaluate((sel) => [...document.querySelectorAll(sel)]
		    .map((node) => node.textContent).join(' | ') || '(no element)', selector);
		throw new Error(`${selector} never contained "${text}"; it has "${oneLine(got).slice(0, 200)}"`);
	}
}

export async function waitForClass(page, name, timeout = TIMEOUT_MS) {
	try {
		await page.waitForFunction((cls) => document.documentElement.classList.contains(cls), name, { timeout });
	} catch {
		const got = await page.evaluate(() => document.documentElement.className);
		throw new Error(`<html> never got class ${name}; it has "${got}"`);
	}
}
