// chat-cases.mjs: chat turns through the page, with the stand-in claude replaying transcripts.
//
// t-page.sh points claude_bin at a wrapper that reads the stand-in's controls
// (STANDIN_TRANSCRIPT, STANDIN_DELAY_MS, STANDIN_HANG_AT) from the file in
// BG_STANDIN_ENV, so each case sets its own before it sends a message.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, skip, assert, waitForText, waitForClass } from './harness.mjs';

const fixtures = process.env.BG_FIXTURES;
const TURN_TIMEOUT_MS = 20000;

function standIn(controls) {
	const lines = Object.entries(controls).map(([key, value]) => `${key}='${value}'`);
	writeFileSync(process.env.BG_STANDIN_ENV, `${lines.join('\n')}\n`);
}

// A transcript whose text tries markup, a script link and an image.
function hostileTranscript() {
	const session = '11111111-2222-4333-8444-555555555555';
	const lines = [
		{ type: 'system', subtype: 'init', session_id: session, model: 'stand-in', tools: ['Bash'] },
		{
			type: 'assistant', parent_tool_use_id: null, session_id: session,
			message: {
				id: 'msg_hostile', role: 'assistant', model: 'stand-in',
				content: [{
					type: 'text',
					text: 'Look: <img src=x onerror="window.__xss=1"> and [click me](javascript:window.__xss=2) ' +
					    'and ![pic](https://example.invalid/x.png) and **bold**.\n\n' +
					    '| disk | use |\n|:-:|--:|\n| / | 100% |\n',
				}],
			},
		},
		{
			type: 'result', subtype: 'success', is_error: false, result: 'done', num_turns: 1,
			duration_ms: 5, total_cost_usd: 0, session_id: session,
		},
	];
	const path = join(process.env.T, 'hostile.jsonl');
	writeFileSync(path, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
	return path;
}

// A transcript where the main agent starts a sub-agent (Task), whose text
// and failing tool call carry parent_tool_use_id.
function subAgentTranscript() {
	const session = '11111111-2222-4333-8444-666666666666';
	const task = 'toolu_task_0001';
	const assistant = (parent, id, content) => ({
		type: 'assistant', parent_tool_use_id: parent, session_id: session,
		message: { id, role: 'assistant', model: 'stand-in', content },
	});
	const toolResult = (parent, id, content, isError) => ({
		type: 'user', parent_tool_use_id: parent, session_id: session,
		message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content, is_error: isError }] },
	});
	const lines = [
		{ type: 'system', subtype: 'init', session_id: session, model: 'stand-in', tools: ['Task', 'Bash'] },
		assistant(null, 'msg_main_1', [{ type: 'tool_use', id: task, name: 'Task',
			input: { description: 'Check the disks', prompt: 'Look at df.', subagent_type: 'general-purpose' } }]),
		assistant(task, 'msg_sub_1', [{ type: 'text', text: 'Sub-agent looking at the disks.' }]),
		assistant(task, 'msg_sub_2', [{ type: 'tool_use', id: 'toolu_sub_0001', name: 'Bash', input: { command: 'df -h /' } }]),
		toolResult(task, 'toolu_sub_0001', 'df: /: No space left on device', true),
		toolResult(null, task, 'The root disk is full.', false),
		assistant(null, 'msg_main_2', [{ type: 'text', text: 'The root disk is full.' }]),
		{ type: 'result', subtype: 'success', is_error: false, result: 'The root disk is full.', num_turns: 2,
			duration_ms: 9, total_cost_usd: 0, session_id: session },
	];
	const path = join(process.env.T, 'subagent.jsonl');
	writeFileSync(path, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
	return path;
}

async function newSession(page) {
	const before = await page.evaluate(() => location.hash);
	await page.click('#new-session');
	await page.waitForFunction((old) => /^#session=[0-9a-f-]{36}$/.test(location.hash) && location.hash !== old, before);
	await page.waitForFunction(() => document.getElementById('log').childElementCount === 0);
	return (await page.evaluate(() => location.hash)).slice('#session='.length);
}

async function send(page, text) {
	await page.fill('#message', text);
	await page.press('#message', 'Enter');
}

async function countIn(page, selector, text) {
	return page.evaluate(([sel, want]) => [...document.querySelectorAll(sel)]
	    .filter((node) => node.textContent.includes(want)).length, [selector, text]);
}

// Kill the chat CGIs lighttpd runs right now (not the detached turn), as
// lighttpd itself does when a client goes away, so the page's stream ends.
// Children are found through /proc, so no procps is needed.
function killChatCgis(lighttpdPid) {
	let killed = 0;
	for (const pid of readdirSync('/proc').filter((name) => /^[0-9]+$/.test(name))) {
		let stat, cmdline;
		try {
			stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
			cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
		} catch {
			continue;	// the process ended while we looked
		}
		// Fields after the command name in parentheses: state, then ppid.
		const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
		if (ppid === String(lighttpdPid) && cmdline.split('\0')[0].endsWith('/cgi-bin/chat')) {
			process.kill(Number(pid), 'SIGTERM');
			killed++;
		}
	}
	return killed;
}

export async function chatCases(page, { base, token, artefacts, watch, lighttpdPid }) {
	const requests = [];
	page.on('request', (request) => {
		if (new URL(request.url()).pathname === '/chat')
			requests.push({ method: request.method(), lastEventId: request.headers()['last-event-id'] || '', body: request.postData() });
	});

	let streamedSession = '';
	await check('Shift+Enter adds a line without sending', async () => {
		streamedSession = await newSession(page);
		await page.fill('#message', 'first line');
		await page.press('#message', 'Shift+Enter');
		await page.keyboard.type('second line');
		const value = await page.inputValue('#message');
		assert(value === 'first line\nsecond line', `the message box holds ${JSON.stringify(value)}`);
		assert(requests.length === 0, 'a request went out');
	});

	await check('message streams text, a tool card and the result', async () => {
		standIn({ STANDIN_TRANSCRIPT: `${fixtures}/local-partial-messages-tools.jsonl`, STANDIN_DELAY_MS: 60 });
		await send(page, 'Why is the VM down?');
		await waitForClass(page, 'turn-running');
		assert(await page.isDisabled('#message'), 'the message box is enabled while the turn runs');
		assert(await page.isVisible('#stop'), 'no Stop button while the turn runs');
		await waitForText(page, '#log .user-msg', 'Why is the VM down?');
		await waitForText(page, '#log .text', "I'll check the system.");
		await waitForText(page, '#log .tool .tool-name', 'Bash');
		await waitForText(page, '#log .tool .tool-arg', 'echo hello from bash');
		await waitForText(page, '#log .tool .tool-output pre', 'hello from bash');
		if (artefacts)
			await page.screenshot({ path: `${artefacts}/mid-turn.png` });

		await waitForText(page, '#log .result', 'Finished', TURN_TIMEOUT_MS);
		await waitForClass(page, 'turn-idle');
		await waitForText(page, '#status-line', 'Turn finished.');
		assert(!(await page.isDisabled('#message')), 'the message box stays disabled');
		assert(await countIn(page, '#log .text', "I'll check the system.") === 1, 'the first text shows more than once');
		assert(await page.locator('#log .tool').count() === 2, 'not exactly two tool cards');
		await waitForText(page, '#log .text', 'The kernel is Linux and demo.txt has 3 lines.');
		const post = requests.find((r) => r.method === 'POST');
		assert(post, 'no POST /chat went out');
		assert(JSON.parse(post.body).message === 'Why is the VM down?', 'POST /chat did not carry the message');
		await page.waitForSelector(`#session-list [data-session="${streamedSession}"] .session-title`);
		await waitForText(page, '#audit .what', 'chat.start');
	});

	await check('markup in agent text renders as text', async () => {
		await newSession(page);
		standIn({ STANDIN_TRANSCRIPT: hostileTranscript() });
		await send(page, 'Show me something nasty.');
		await waitForText(page, '#log .result', 'Finished', TURN_TIMEOUT_MS);
		await waitForText(page, '#log .text', '<img src=x onerror=');
		const found = await page.evaluate(() => ({
			images: document.querySelectorAll('#log img').length,
			scriptLinks: [...document.querySelectorAll('#log a')].filter((a) => !/^https?:|^mailto:/.test(a.getAttribute('href') || '')).length,
			bold: document.querySelectorAll('#log .text strong').length,
			styled: document.querySelectorAll('#log [style]').length,
			aligned: document.querySelectorAll('#log td.align-right').length,
			xss: window.__xss,
		}));
		assert(found.images === 0, 'an <img> reached the DOM');
		assert(found.scriptLinks === 0, 'a javascript: link reached the DOM');
		assert(found.xss === undefined, 'the injected script ran');
		assert(found.bold === 1, 'markdown was not rendered');
		assert(found.styled === 0, 'a style attribute reached the DOM, which the CSP blocks');
		assert(found.aligned === 1, 'the table column alignment was lost');
		await waitForText(page, '#log .text', '[click me](javascript:');
	});

	await check('sub-agent activity is indented', async () => {
		await newSession(page);
		standIn({ STANDIN_TRANSCRIPT: subAgentTranscript() });
		await send(page, 'Check the disks with a helper.');
		await waitForText(page, '#log .result', 'Finished', TURN_TIMEOUT_MS);
		const cards = await page.evaluate(() => [...document.querySelectorAll('#log .tool')].map((card) => ({
			name: card.querySelector('.tool-name').textContent,
			sub: card.classList.contains('sub'),
			error: card.classList.contains('error'),
			indent: getComputedStyle(card).marginLeft,
		})));
		assert(cards.length === 2, `${cards.length} tool cards`);
		assert(cards[0].name === 'Task', `the first card is ${cards[0].name}`);
		assert(!cards[0].sub, 'the Task card is marked as a sub-agent\'s');
		assert(cards[1].name === 'Bash', `the second card is ${cards[1].name}`);
		assert(cards[1].sub, 'the sub-agent\'s Bash card is not marked as a sub-agent\'s');
		assert(cards[1].indent !== '0px', 'the sub-agent\'s card is not indented');
		assert(cards[1].error, 'the failed tool call has no error styling');
		await waitForText(page, '#log .text.sub', 'Sub-agent looking at the disks.');
		await waitForText(page, '#log .tool.error .tool-status', 'error');
	});

	await check('failed turn shows a specific error', async () => {
		await newSession(page);
		standIn({ STANDIN_TRANSCRIPT: `${fixtures}/local-killed-sigterm-mid-stream.jsonl`, STANDIN_EXIT: 143,
			STANDIN_STDERR: 'stand-in: terminated' });
		await send(page, 'Fail, please.');
		await waitForText(page, '#log .event-error.fatal', 'The agent failed', TURN_TIMEOUT_MS);
		await waitForClass(page, 'turn-idle');
		await waitForText(page, '#alert-text', 'The agent failed');
		await waitForText(page, '#status-line', 'Turn ended with an error.');
		await page.click('#alert-close');
	});

	await check('Stop ends a running turn', async () => {
		await newSession(page);
		standIn({ STANDIN_TRANSCRIPT: `${fixtures}/local-tools-bash-read.jsonl`, STANDIN_HANG_AT: 3 });
		await send(page, 'Run something long.');
		await waitForText(page, '#log .tool .tool-name', 'Bash', TURN_TIMEOUT_MS);
		await page.click('#stop');
		await waitForText(page, '#log', 'Stopped', TURN_TIMEOUT_MS);
		await waitForClass(page, 'turn-idle', TURN_TIMEOUT_MS);
		assert(requests.some((r) => r.method === 'DELETE'), 'no DELETE /chat went out');
		assert(!(await page.isDisabled('#message')), 'the message box stays disabled after Stop');
	});

	await check('reload mid-turn shows the history and the rest', async () => {
		const session = await newSession(page);
		standIn({ STANDIN_TRANSCRIPT: `${fixtures}/local-partial-messages-tools.jsonl`, STANDIN_DELAY_MS: 150 });
		await send(page, 'Check it, then reload.');
		await waitForText(page, '#log .tool .tool-name', 'Bash', TURN_TIMEOUT_MS);
		await page.reload();
		await waitForClass(page, 'auth-ok');
		assert(await page.evaluate(() => location.hash) === `#session=${session}`, 'the reload lost the session');
		await page.waitForSelector(`#session-list [data-session="${session}"] .session-running`);
		await waitForText(page, '#log .result', 'Finished', TURN_TIMEOUT_MS);
		assert(await countIn(page, '#log .text', "I'll check the system.") === 1, 'the first text is missing or doubled');
		assert(await page.locator('#log .tool').count() === 2, 'not exactly two tool cards');
		assert(await page.locator('#log .result').count() === 1, 'not exactly one result line');
	});

	await check('dropped stream reconnects with Last-Event-ID', async () => {
		await newSession(page);
		standIn({ STANDIN_TRANSCRIPT: `${fixtures}/local-partial-messages-tools.jsonl`, STANDIN_DELAY_MS: 120 });
		const before = requests.length;
		await send(page, 'Keep going when the line drops.');
		await waitForText(page, '#log .tool .tool-name', 'Bash', TURN_TIMEOUT_MS);
		assert(killChatCgis(lighttpdPid) > 0, 'no chat CGI was running to cut');
		await waitForText(page, '#log .result', 'Finished', TURN_TIMEOUT_MS);
		const resumed = requests.slice(before).filter((r) => r.method === 'GET' && r.lastEventId !== '');
		assert(resumed.length > 0, 'no GET /chat with Last-Event-ID after the drop');
		assert(await countIn(page, '#log .text', "I'll check the system.") === 1, 'the first text is missing or doubled');
		assert(await page.locator('#log .tool').count() === 2, 'not exactly two tool cards');
		assert(await page.locator('#log .result').count() === 1, 'not exactly one result line');
		await waitForText(page, '#status-line', 'Turn finished.');
	});

	await check('a turn started in another tab shows up in this one', async () => {
		const session = await newSession(page);
		const other = await page.context().newPage();
		try {
			await other.addInitScript((t) => sessionStorage.setItem('breakglass.token', t), token);
			await other.goto(`${base}/#session=${session}`);
			await waitForClass(other, 'auth-ok');
			standIn({ STANDIN_TRANSCRIPT: `${fixtures}/local-partial-messages-tools.jsonl`, STANDIN_DELAY_MS: 400 });
			await send(page, 'Started in the first tab.');
			await waitForText(other, '#log .user-msg', 'Started in the first tab.', TURN_TIMEOUT_MS);
			await waitForText(other, '#log .result', 'Finished', TURN_TIMEOUT_MS);
			assert(await countIn(other, '#log .text', "I'll check the system.") === 1, 'the other tab lost or doubled text');
			await waitForText(page, '#log .result', 'Finished', TURN_TIMEOUT_MS);
		} finally {
			await other.close();
		}
	});

	// Opening an old session shows what GET /session/<id> returns.
	const history = await page.evaluate(async (id) => {
		const token = sessionStorage.getItem('breakglass.token');
		const response = await fetch(`/session/${id}`, { headers: { Authorization: `Bearer ${token}` } });
		return (await response.json()).events || [];
	}, streamedSession);
	if (history.length === 0) {
		skip('open an old session with its history', 'GET /session/<id> returns no events yet');
	} else {
		await check('open an old session with its history', async () => {
			await page.click(`#session-list [data-session="${streamedSession}"]`);
			await waitForText(page, '#log .text', "I'll check the system.");
			await waitForText(page, '#log .result', 'Finished');
			assert(await page.locator('#log .tool').count() === 2, 'not exactly two tool cards');
			assert(await countIn(page, '#log .text', 'The kernel is Linux') === 1, 'the last text is missing or doubled');
		});
	}
	void watch;
}
