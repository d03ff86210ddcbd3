// page.mjs: the page in headless Chromium against a real lighttpd and the real CGIs.
//
// Started by t-page.sh, which sets BG_URL (lighttpd), BG_TOKEN (the bearer
// token), BG_ARTEFACTS (where screenshots go), and BG_HAVE_CHAT / BG_HAVE_PVE
// when those CGIs and their stand-ins are there.
import { check, skip, failed, assert, launch, waitForText, waitForClass } from './harness.mjs';
import { chatCases } from './chat-cases.mjs';
import { powerCases } from './power-cases.mjs';

const base = process.env.BG_URL;
const token = process.env.BG_TOKEN;
const artefacts = process.env.BG_ARTEFACTS;

const browser = await launch(base);
const { context, watch } = browser;
const page = context.pages()[0] || await context.newPage();

try {
	await check('page asks for sign-in without a token', async () => {
		const response = await page.goto(base);
		const csp = response.headers()['content-security-policy'] || '';
		assert(csp.includes("default-src 'self'"), `Content-Security-Policy is "${csp}"`);
		await waitForClass(page, 'auth-signin');
		assert(await page.locator('#signin').isVisible(), 'the sign-in form is hidden');
		assert(!(await page.locator('.panels').isVisible()), 'the panels show before sign-in');
	});

	await check('page head has noindex and a dark scheme', async () => {
		const robots = await page.getAttribute('meta[name=robots]', 'content');
		assert(/noindex/.test(robots || ''), `robots is "${robots}"`);
		const scheme = await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme);
		assert(scheme === 'dark', `color-scheme is "${scheme}"`);
		const modules = await page.locator('script').count();
		assert(modules === 1, `${modules} script elements`);
	});

	await check('wrong token is not accepted', async () => {
		await page.fill('#token', 'x'.repeat(40));
		await page.press('#token', 'Enter');
		await waitForText(page, '#signin-error', 'not accepted');
		const stored = await page.evaluate(() => sessionStorage.getItem('breakglass.token'));
		assert(stored === null, 'the wrong token stayed in sessionStorage');
	});

	await check('sign-in with the bearer token shows the panels', async () => {
		await page.fill('#token', token);
		await page.click('#signin button[type=submit]');
		await waitForClass(page, 'auth-ok');
		assert(await page.locator('.panels').isVisible(), 'the panels are hidden');
		assert(await page.locator('#sign-out').isVisible(), 'no sign-out control');
		const stored = await page.evaluate(() => sessionStorage.getItem('breakglass.token'));
		assert(stored === token, 'the token is not in sessionStorage');
	});

	await check('token survives a reload of the tab', async () => {
		await page.reload();
		await waitForClass(page, 'auth-ok');
	});

	let firstSession = '';
	await check('new session opens and is listed', async () => {
		await page.click('#new-session');
		await page.waitForFunction(() => /^#session=[0-9a-f-]{36}$/.test(location.hash));
		firstSession = (await page.evaluate(() => location.hash)).slice('#session='.length);
		await page.waitForSelector(`#session-list [data-session="${firstSession}"][aria-current="true"]`);
		await waitForClass(page, 'session-open');
	});

	await check('sign-out forgets the token', async () => {
		await page.click('#sign-out');
		await waitForClass(page, 'auth-signin');
		const stored = await page.evaluate(() => sessionStorage.getItem('breakglass.token'));
		assert(stored === null, 'the token is still stored');
		const items = await page.locator('#session-list li').count();
		assert(items === 0, 'the sessions list still shows');
		await page.fill('#token', token);
		await page.press('#token', 'Enter');
		await waitForClass(page, 'auth-ok');
		await page.waitForSelector(`#session-list [data-session="${firstSession}"]`);
	});

	await check('controls have labels and visible focus', async () => {
		const unlabelled = await page.evaluate(() => [...document.querySelectorAll('button, input, textarea')]
			.filter((el) => el.offsetParent !== null)
			.filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
			.map((el) => el.id || el.outerHTML.slice(0, 60)));
		assert(unlabelled.length === 0, `unlabelled: ${unlabelled.join(', ')}`);
		await page.focus('#new-session');
		await page.keyboard.press('Tab');
		await page.keyboard.press('Shift+Tab');
		const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
		assert(outline !== 'none', 'the focused control has no outline');
		const live = await page.getAttribute('#log', 'aria-live');
		assert(live === 'off' || live === null, `the transcript has aria-live="${live}"`);
		assert(await page.getAttribute('#status-line', 'role') === 'status', 'no polite status line');
		assert(await page.locator('[role=alert]').count() === 1, 'no role="alert" element');
	});

	if (process.env.BG_HAVE_PVE === '1')
		await powerCases(page, { base, token, artefacts, watch });
	else {
		skip('power verbs through the VM panel', 'its peers are not ready (see above)');
		// Without its peers, /pve is missing (404) or not configured (500).
		watch.allowed.push((bad) => new URL(bad.url).pathname === '/pve');
	}

	if (process.env.BG_HAVE_CHAT === '1')
		await chatCases(page, { base, token, artefacts, watch, lighttpdPid: process.env.BG_LIGHTTPD_PID });
	else
		skip('chat turns through the page', 'its peers are not ready (see above)');

	await check('phone-sized viewport stacks the panels', async () => {
		await page.setViewportSize({ width: 390, height: 844 });
		await page.waitForTimeout(100);
		const layout = await page.evaluate(() => {
			const box = (sel) => document.querySelector(sel).getBoundingClientRect();
			return {
				scrollWidth: document.documentElement.scrollWidth,
				chat: box('#chat'),
				vm: box('#vm'),
				sessions: box('#sessions'),
			};
		});
		assert(layout.scrollWidth <= 390, `the page is ${layout.scrollWidth} px wide`);
		assert(layout.vm.top >= layout.chat.bottom, 'the VM panel is not below the chat');
		assert(layout.chat.top >= layout.sessions.bottom, 'the chat is not below the sessions');
		if (artefacts)
			await page.screenshot({ path: `${artefacts}/phone-390.png`, fullPage: true });
		if (process.env.BG_HAVE_PVE === '1') {
			await page.click('#verbs [data-verb="cycle"]');
			await page.waitForSelector('#confirm[open]');
			const dialog = await page.locator('#confirm').boundingBox();
			assert(dialog.x >= 0 && dialog.x + dialog.width <= 390, 'the dialog is wider than the phone');
			if (artefacts)
				await page.screenshot({ path: `${artefacts}/phone-390-dialog.png` });
			await page.keyboard.press('Escape');
			await page.waitForSelector('#confirm', { state: 'hidden' });
		}
		await page.setViewportSize({ width: 1280, height: 860 });
	});

	await check('no console errors in the page', async () => {
		// A 401 before sign-in, and the errors the cases above provoke on
		// purpose, are logged by Chromium as failed resource loads.
		const expected = (entry) => /Failed to load resource/.test(entry.text) &&
		    watch.badResponses.some((bad) => bad.url === entry.url);
		const unexpected = watch.consoleErrors.filter((entry) => !expected(entry));
		assert(watch.pageErrors.length === 0, `page errors: ${watch.pageErrors.join(' | ')}`);
		assert(unexpected.length === 0, `console errors: ${unexpected.map((e) => e.text).join(' | ')}`);
	});

	await check('bad responses are only the provoked ones', async () => {
		const others = watch.unexpectedBad();
		assert(others.length === 0, others.map((bad) => `${bad.status} ${bad.url}`).join(', '));
	});

	await check('no request to another origin', async () => {
		assert(watch.foreign.length === 0, `requests to ${watch.foreign.join(', ')}`);
	});

	// Last, because it makes console errors on purpose.
	await check('first unexpected error shows in the alert', async () => {
		await page.evaluate(() => setTimeout(() => {
			throw new Error('injected failure');
		}, 0));
		await waitForText(page, '#alert-text', 'injected failure');
		await page.evaluate(() => {
			Promise.reject(new Error('second failure'));
		});
		await page.waitForTimeout(200);
		const text = await page.textContent('#alert-text');
		assert(!text.includes('second failure'), 'a later error replaced the first');
	});
} finally {
	await browser.close();
}

process.exitCode = failed() ? 1 : 0;
