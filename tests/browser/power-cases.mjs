// power-cases.mjs: power verbs through the VM panel, reaching the test sshd, the gate and the stand-in qm.
//
// t-page.sh sets BG_QM_DIR, the stand-in qm's folder: "state" contains the VM
// state, "mode" set to "fail" makes mutating verbs fail, "delay" is how many
// seconds start, stop and reset take, and "hang" names a subcommand that
// never returns (the CGI's verb_timeout ends it).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, assert, waitForText, waitForClass } from './harness.mjs';

const VERB_TIMEOUT_MS = 20000;

function qm(file, value) {
	const path = join(process.env.BG_QM_DIR, file);
	if (value === null)
		rmSync(path, { force: true });
	else
		writeFileSync(path, `${value}\n`);
}

// Record, from inside the page, whether the power buttons were all disabled
// while a verb ran and what the progress line showed.
async function watchVerbRun(page) {
	await page.evaluate(() => {
		const seen = { running: false, allDisabled: true, progress: '' };
		window.__verbRun = seen;
		const observer = new MutationObserver(() => {
			if (!document.documentElement.classList.contains('verb-running'))
				return;
			seen.running = true;
			for (const button of document.querySelectorAll('#verbs button'))
				seen.allDisabled &&= button.disabled;
			seen.progress = document.getElementById('verb-progress').textContent;
		});
		observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
		observer.observe(document.getElementById('verb-progress'), { childList: true, characterData: true, subtree: true });
		window.__verbObserver = observer;
	});
}

async function verbRun(page) {
	return page.evaluate(() => {
		window.__verbObserver.disconnect();
		return window.__verbRun;
	});
}

async function allEnabled(page) {
	return page.evaluate(() => [...document.querySelectorAll('#verbs button')].every((button) => !button.disabled));
}

export async function powerCases(page, { watch }) {
	const posts = [];
	page.on('request', (request) => {
		if (request.method() === 'POST' && new URL(request.url()).pathname === '/pve')
			posts.push(JSON.parse(request.postData() || '{}'));
	});
	// The cases below provoke a gateway timeout on purpose.
	watch.allowed.push((bad) => bad.status === 504 && new URL(bad.url).pathname === '/pve');

	await check('VM panel shows the VM id, its state and the verbs', async () => {
		await waitForText(page, '#vm-id', '102');
		await waitForText(page, '#vm-state', 'running');
		const verbs = await page.evaluate(() => [...document.querySelectorAll('#verbs button')].map((b) => b.dataset.verb));
		for (const verb of ['status', 'forensics', 'start', 'stop', 'reset', 'cycle'])
			assert(verbs.includes(verb), `no ${verb} button; the panel has ${verbs.join(', ')}`);
		await page.waitForSelector('#audit td.audit-routine, #audit tr td.what');
	});

	await check('status output shows in a copyable block', async () => {
		await page.click('#verbs [data-verb="status"]');
		await waitForText(page, '#vm-output', 'status: running', VERB_TIMEOUT_MS);
		await waitForText(page, '#output-title', 'Output of status (ok');
		assert(!posts.some((p) => p.verb === 'status' && 'confirm' in p), 'status carried a confirm');
	});

	await check('focus returns to a verb pressed by keyboard', async () => {
		await page.focus('#verbs [data-verb="status"]');
		await page.keyboard.press('Enter');
		await waitForClass(page, 'verb-running');
		await waitForClass(page, 'verb-idle', VERB_TIMEOUT_MS);
		const focused = await page.evaluate(() => document.activeElement?.dataset?.verb || document.activeElement?.tagName);
		assert(focused === 'status', `focus is on ${focused}`);
	});

	await check('routine status checks are summed up, not listed', async () => {
		await waitForText(page, '#audit td.audit-routine', 'routine status check');
		const listed = await page.evaluate(() => [...document.querySelectorAll('#audit tr.ok td.what, #audit tr.begun td.what')].map((td) => td.textContent));
		assert(!listed.some((what) => /pve\.(begin|run) status/.test(what)), `successful status rows listed: ${listed.join(' | ')}`);
	});

	await check('forensics output shows its sections', async () => {
		await page.click('#verbs [data-verb="forensics"]');
		await waitForText(page, '#output-title', 'Output of forensics', VERB_TIMEOUT_MS);
		await waitForText(page, '#vm-output', '=== ');
		assert(!posts.some((p) => p.verb === 'forensics' && 'confirm' in p), 'forensics carried a confirm');
		assert(!(await page.isVisible('#confirm')), 'forensics opened the confirmation dialog');
	});

	await check('reset dialog confirms only the typed verb', async () => {
		await page.click('#verbs [data-verb="reset"]');
		await page.waitForSelector('#confirm[open]');
		await waitForText(page, '#confirm-title', 'VM 102');
		await waitForText(page, '#confirm-what', 'same qemu process');
		assert(await page.isDisabled('#confirm-ok'), 'confirm is enabled before typing');
		await page.fill('#confirm-input', 'rest');
		assert(await page.isDisabled('#confirm-ok'), 'confirm is enabled for a wrong word');
		await page.fill('#confirm-input', 'stop');
		assert(await page.isDisabled('#confirm-ok'), 'confirm is enabled for another verb');
		await page.keyboard.press('Escape');
		await page.waitForSelector('#confirm', { state: 'hidden' });
		assert(!posts.some((p) => p.verb === 'reset'), 'a cancelled reset was sent');
	});

	await check('confirmed reset runs with buttons disabled', async () => {
		qm('delay', 1);
		await watchVerbRun(page);
		await page.click('#verbs [data-verb="reset"]');
		await page.waitForSelector('#confirm[open]');
		await page.fill('#confirm-input', 'reset');
		assert(!(await page.isDisabled('#confirm-ok')), 'confirm stays disabled for the right word');
		await page.click('#confirm-ok');
		await waitForClass(page, 'verb-running');
		await waitForText(page, '#verb-progress', 'reset finished', VERB_TIMEOUT_MS);
		const run = await verbRun(page);
		qm('delay', null);
		assert(run.running, 'the page never entered the verb-running state');
		assert(run.allDisabled, 'the power buttons were not all disabled while reset ran');
		assert(/Running reset… [0-9.]+ s/.test(run.progress), `the progress line said "${run.progress}"`);
		assert(await allEnabled(page), 'the power buttons stay disabled');
		const sent = posts.find((p) => p.verb === 'reset');
		assert(sent, 'no POST /pve for reset went out');
		assert(sent.confirm === 'reset', `reset was sent as ${JSON.stringify(sent)}`);
		await waitForText(page, '#vm-state', 'running');
		await waitForText(page, '#audit', 'reset');
	});

	await check('failed verb shows an alert and re-enables buttons', async () => {
		qm('mode', 'fail');
		await page.click('#verbs [data-verb="stop"]');
		await page.fill('#confirm-input', 'stop');
		await page.click('#confirm-ok');
		await waitForText(page, '#alert-text', 'stop failed', VERB_TIMEOUT_MS);
		qm('mode', null);
		await waitForClass(page, 'verb-idle');
		assert(await allEnabled(page), 'the power buttons stay disabled after a failure');
		await page.click('#alert-close');
	});

	await check('timed-out verb re-enables buttons', async () => {
		qm('hang', 'status');
		await page.click('#verbs [data-verb="status"]');
		await waitForText(page, '#alert-text', 'status', VERB_TIMEOUT_MS);
		qm('hang', null);
		await waitForClass(page, 'verb-idle');
		assert(await allEnabled(page), 'the power buttons stay disabled after a timeout');
		await page.click('#alert-close');
	});
}
