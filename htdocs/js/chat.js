// chat.js: one chat session on the page: its history, the live stream of a turn, Stop.
//
// Events come from GET /session/<id> (the history) and from the event
// streams of POST /chat and GET /chat. Each carries the session's sequence
// number; an event whose number is not above the last one seen is dropped, so
// a reconnect with Last-Event-ID never shows anything twice.

import { ApiError, getJson, openStream, deleteJson } from './api.js';
import { SseParser, SseError, readEvents } from './sse.js';
import { renderMarkdown } from './markdown.js';
import { element } from './dom.js';
import { setUi } from './state.js';

// Delays before reconnecting a dropped stream, in milliseconds; the last one
// repeats until the stream comes back or the operator leaves the session.
const RECONNECT_DELAYS_MS = [250, 1000, 2000, 5000];

// Characters of a tool's input shown on its card before it is cut.
const TOOL_ARG_MAX = 300;

// Characters of a session title, as the server cuts it.
const TITLE_MAX = 80;

// Lines of tool output under which the output starts unfolded.
const TOOL_OUTPUT_OPEN_LINES = 12;

const ERROR_LABELS = {
	aborted: 'Stopped',
	timeout: 'Timed out',
	cli_failed: 'The agent failed',
	spawn_failed: 'The agent could not start',
	bad_line: 'Unreadable output from the agent',
	api_retry: 'Retrying the model API',
	permission_denied: 'Tool not allowed',
};

function sleep(ms, signal) {
	return new Promise((resolve) => {
		const timer = setTimeout(resolve, ms);
		signal.addEventListener('abort', () => {
			clearTimeout(timer);
			resolve();
		}, { once: true });
	});
}

// Pick the one field of a tool's input that shows what the call does.
function toolArgument(name, input) {
	if (!input || typeof input !== 'object')
		return '';
	for (const key of ['command', 'file_path', 'path', 'pattern', 'url', 'description', 'prompt']) {
		if (typeof input[key] === 'string' && input[key] !== '')
			return input[key];
	}
	const json = JSON.stringify(input);
	return json === '{}' ? '' : json;
}

function cut(text, max) {
	return text.length > max ? `${text.slice(0, max)}…` : text;
}

function formatDuration(ms) {
	if (typeof ms !== 'number' || !Number.isFinite(ms))
		return '';
	return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export class Chat {
	// elements: { log, title, conn }; hooks: { announce(text), showError(err),
	// onTurnEnd() }.
	constructor(elements, hooks) {
		this.log = elements.log;
		this.title = elements.title;
		this.connLabel = elements.conn;
		this.hooks = hooks;
		this.sessionId = null;
		this.controller = null;
		this.reset();
	}

	reset() {
		this.lastId = 0;
		this.tools = new Map();
		this.textBlock = null;
		this.pendingRender = new Set();
		this.turnOpen = false;
		this.pendingUser = null;
		this.log.replaceChildren();
	}

	// Stop following any stream; the turn itself goes on on the server.
	detach() {
		if (this.controller)
			this.controller.abort();
		this.controller = null;
		this.setConn('idle');
	}

	close() {
		this.detach();
		this.sessionId = null;
		this.reset();
		this.title.textContent = 'No session open';
		setUi({ session: 'none', turn: 'idle' });
	}

	setConn(conn) {
		const labels = {
			idle: '',
			open: 'Connected',
			reconnecting: 'Connection lost, reconnecting…',
			lost: `Disconnected, retrying every ${RECONNECT_DELAYS_MS.at(-1) / 1000} s…`,
		};
		this.connLabel.textContent = labels[conn] || '';
		setUi({ conn });
	}

	// Follow a turn that started elsewhere (another tab, another operator)
	// once the session list shows this session running. The list may be
	// older than a turn that just ended, so the page says nothing here and
	// lets the events it receives set the state.
	noticeRunning(id) {
		if (id !== this.sessionId || this.controller)
			return;
		const controller = new AbortController();
		this.controller = controller;
		this.follow(controller, null);
	}

	// Show a session's whole history, then follow its turn if one runs.
	async open(id, title) {
		this.detach();
		this.reset();
		this.sessionId = id;
		this.hasTitle = Boolean(title);
		this.title.textContent = title || 'Untitled session';
		setUi({ session: 'open', turn: 'idle' });

		const controller = new AbortController();
		this.controller = controller;
		const body = await getJson(`/session/${encodeURIComponent(id)}`, { signal: controller.signal });
		if (controller.signal.aborted)
			return;

		const meta = body.session && typeof body.session === 'object' ? body.session : body;
		if (typeof meta.title === 'string' && meta.title) {
			this.hasTitle = true;
			this.title.textContent = meta.title;
		}
		for (const event of Array.isArray(body.events) ? body.events : [])
			this.apply(Number(event.id), event.event, event.data, false);

		if (meta.running) {
			setUi({ turn: 'running' });
			this.hooks.announce('A turn is running in this session.');
			this.follow(controller, null);
		} else {
			this.controller = null;
		}
	}

	// Send a message as a new turn and stream it.
	send(message) {
		this.detach();
		this.pendingUser = this.renderUser(message);
		if (!this.hasTitle) {
			// The server titles a session after its first message's first
			// line; show the same until the list is read again.
			this.title.textContent = message.trim().split('\n')[0].slice(0, TITLE_MAX) || 'Untitled session';
			this.hasTitle = true;
		}
		this.scrollToEnd(true);
		setUi({ turn: 'running' });
		this.hooks.announce('Turn running.');

		const controller = new AbortController();
		this.controller = controller;
		this.follow(controller, { session: this.sessionId, message });
	}

	async stop() {
		if (!this.sessionId)
			return;
		setUi({ turn: 'stopping' });
		this.hooks.announce('Stopping the turn.');
		try {
			await deleteJson(`/chat?session=${encodeURIComponent(this.sessionId)}`);
		} catch (err) {
			setUi({ turn: this.turnOpen || this.controller ? 'running' : 'idle' });
			this.hooks.showError(err);
		}
	}

	// Read the stream of a turn to its done event, reconnecting with
	// Last-Event-ID after a drop. postBody set: start the turn with POST first.
	async follow(controller, postBody) {
		const signal = controller.signal;
		const id = this.sessionId;
		let attempt = 0;
		let doneSeen = false;
		const onEvent = (event) => {
			if (this.onStreamEvent(event) === 'done')
				doneSeen = true;
		};

		while (!signal.aborted && !doneSeen) {
			let received = 0;
			const countingOnEvent = (event) => {
				received++;
				onEvent(event);
			};
			try {
				const response = postBody
					? await openStream('POST', '/chat', { body: postBody, signal })
					: await openStream('GET', `/chat?session=${encodeURIComponent(id)}`,
					    { signal, lastEventId: this.lastId || undefined });
				postBody = null;
				this.setConn('open');
				if (attempt > 0)
					this.hooks.announce('Reconnected.');
				attempt = 0;
				await readEvents(response.body, new SseParser(), countingOnEvent);
			} catch (err) {
				if (signal.aborted)
					return;
				if (postBody && err instanceof ApiError && err.code === 'turn_running') {
					// Another tab or client runs a turn here: show it
					// instead of the message, which was not sent.
					this.pendingUser?.classList.add('unsent');
					this.pendingUser = null;
					this.hooks.showError(err);
					postBody = null;
					continue;
				}
				if (!this.isTransient(err)) {
					if (postBody && this.pendingUser)
						this.pendingUser.classList.add('unsent');
					this.endTurn(false);
					this.setConn('idle');
					this.hooks.showError(err);
					return;
				}
				// A POST that failed in transit may or may not have started
				// the turn: from now on only GET /chat looks.
				postBody = null;
			}
			if (doneSeen || signal.aborted)
				break;

			// The stream ended early. If it brought nothing and no turn is
			// running, there is nothing left to follow.
			if (received === 0 && !(await this.stillRunning(id, signal))) {
				this.endTurn(true);
				break;
			}

			this.setConn(attempt < RECONNECT_DELAYS_MS.length - 1 ? 'reconnecting' : 'lost');
			if (attempt === 0)
				this.hooks.announce('Connection lost; reconnecting.');
			await sleep(RECONNECT_DELAYS_MS[Math.min(attempt, RECONNECT_DELAYS_MS.length - 1)], signal);
			attempt++;
		}
		if (!signal.aborted) {
			this.setConn('idle');
			if (this.controller === controller)
				this.controller = null;
		}
	}

	// Network failures and 5xx responses are worth another try, but a 4xx
	// or a broken stream is not.
	isTransient(err) {
		if (err instanceof SseError)
			return false;
		if (err instanceof ApiError)
			return err.code === 'network' || err.status >= 500 || err.code === 'bad_response';
		return err instanceof TypeError;
	}

	async stillRunning(id, signal) {
		try {
			const body = await getJson(`/session/${encodeURIComponent(id)}`, { signal });
			const meta = body.session && typeof body.session === 'object' ? body.session : body;
			return Boolean(meta.running);
		} catch (err) {
			// Cannot tell: keep trying, unless the error was definite.
			return this.isTransient(err);
		}
	}

	onStreamEvent({ id, event, data }) {
		let parsed;
		try {
			parsed = JSON.parse(data);
		} catch {
			this.renderError({ code: 'bad_event', message: `The server sent a "${event}" event whose data is not JSON.`, fatal: false });
			return null;
		}
		return this.apply(Number(id), event, parsed, true);
	}

	// Render one event unless it was seen before. Return its name when it was
	// applied, null when dropped.
	apply(seq, name, data, live) {
		if (Number.isFinite(seq) && seq > 0) {
			if (seq <= this.lastId)
				return null;
			this.lastId = seq;
		}
		if (!data || typeof data !== 'object')
			data = {};
		const stick = this.atEnd();

		switch (name) {
		case 'session':
			this.turnOpen = true;
			this.textBlock = null;
			if (!live)
				break;
			setUi({ turn: 'running' });
			break;
		case 'user':
		case 'message':
			this.renderUserEvent(data);
			break;
		case 'text':
			this.renderText(data);
			break;
		case 'tool':
			this.renderTool(data);
			break;
		case 'result':
			this.renderResult(data);
			break;
		case 'error':
			this.renderError(data);
			if (live && data.fatal && data.code !== 'aborted')
				this.hooks.showError(new Error(`${ERROR_LABELS[data.code] || data.code}: ${data.message || 'no detail'}`));
			break;
		case 'done':
			this.turnOpen = false;
			this.textBlock = null;
			if (live)
				this.endTurn(true, data);
			break;
		default:
			// The server may add event types; an unknown one is skipped.
			break;
		}
		this.scrollToEnd(stick);
		return name;
	}

	endTurn(notify, done) {
		setUi({ turn: 'idle' });
		this.pendingUser = null;
		if (notify && done)
			this.hooks.announce(done.ok ? 'Turn finished.' : 'Turn ended with an error.');
		this.hooks.onTurnEnd();
	}

	renderUser(text) {
		const node = element('div', 'user-msg', text);
		this.log.append(node);
		this.textBlock = null;
		return node;
	}

	renderUserEvent(data) {
		const text = typeof data.text === 'string' ? data.text : (typeof data.message === 'string' ? data.message : '');
		if (this.pendingUser && this.pendingUser.textContent === text) {
			this.pendingUser = null;
			return;
		}
		this.renderUser(text);
	}

	renderText(data) {
		if (typeof data.text !== 'string')
			return;
		const parent = data.parent ?? null;
		let block = this.textBlock;
		if (!block || block.parent !== parent || block.node !== this.log.lastElementChild) {
			const node = element('div', parent === null ? 'text' : 'text sub');
			this.log.append(node);
			block = { node, parent, text: '' };
			this.textBlock = block;
		}
		block.text += data.text;
		this.scheduleRender(block);
	}

	// Render markdown at most once per frame per block, however many deltas
	// arrive in it.
	scheduleRender(block) {
		if (this.pendingRender.has(block))
			return;
		this.pendingRender.add(block);
		requestAnimationFrame(() => {
			const stick = this.atEnd();
			this.pendingRender.delete(block);
			renderMarkdown(block.node, block.text);
			this.scrollToEnd(stick);
		});
	}

	renderTool(data) {
		const id = typeof data.id === 'string' ? data.id : '';
		if ('output' in data) {
			let card = this.tools.get(id);
			if (!card) {
				card = this.makeToolCard({ id, name: 'Tool', input: null, parent: data.parent ?? null });
			}
			this.fillToolOutput(card, data);
		} else {
			this.makeToolCard(data);
		}
		this.textBlock = null;
	}

	makeToolCard(data) {
		const parent = data.parent ?? null;
		const name = typeof data.name === 'string' && data.name ? data.name : 'Tool';
		const card = element('article', parent === null ? 'tool' : 'tool sub');
		card.dataset.toolId = data.id || '';

		const head = element('header', 'tool-head');
		head.append(element('span', 'tool-name', name));
		const arg = toolArgument(name, data.input);
		if (arg)
			head.append(element('code', 'tool-arg', cut(arg, TOOL_ARG_MAX)));
		const status = element('span', 'tool-status', 'running…');
		head.append(status);
		card.append(head);

		const details = element('details', 'tool-output');
		details.append(element('summary', '', 'Output'));
		const pre = element('pre', '', '');
		pre.tabIndex = 0;
		details.append(pre);
		card.append(details);

		if (data.input && typeof data.input === 'object' && JSON.stringify(data.input).length > arg.length + 20) {
			const inputDetails = element('details', 'tool-input');
			inputDetails.append(element('summary', '', 'Input'));
			inputDetails.append(element('pre', '', JSON.stringify(data.input, null, 2)));
			card.append(inputDetails);
		}

		this.log.append(card);
		const entry = { card, status, details, pre };
		if (data.id)
			this.tools.set(data.id, entry);
		return entry;
	}

	fillToolOutput(entry, data) {
		const output = typeof data.output === 'string' ? data.output : '';
		entry.pre.textContent = output === '' ? '(no output)' : output;
		if (data.truncated)
			entry.pre.append(element('span', 'note', '\n[output cut at 16 KiB]'));
		if (data.is_error) {
			entry.card.classList.add('error');
			entry.status.textContent = 'error';
		} else {
			entry.status.textContent = 'done';
		}
		entry.details.open = Boolean(data.is_error) || output.split('\n').length <= TOOL_OUTPUT_OPEN_LINES;
	}

	renderResult(data) {
		const ok = Boolean(data.ok);
		const parts = [ok ? 'Finished' : `Failed${data.subtype ? ` (${data.subtype})` : ''}`];
		if (typeof data.turns === 'number')
			parts.push(`${data.turns} ${data.turns === 1 ? 'turn' : 'turns'}`);
		if (typeof data.duration_ms === 'number')
			parts.push(formatDuration(data.duration_ms));
		if (typeof data.cost_usd === 'number')
			parts.push(`$${data.cost_usd.toFixed(4)}`);
		const line = element('p', ok ? 'result ok' : 'result failed', parts.join(' · '));
		if (!ok && typeof data.text === 'string' && data.text)
			line.append(element('span', 'result-text', `: ${data.text}`));
		this.log.append(line);
		this.textBlock = null;
	}

	renderError(data) {
		const code = typeof data.code === 'string' ? data.code : 'error';
		const label = ERROR_LABELS[code] || code;
		const message = typeof data.message === 'string' ? data.message : '';
		const className = code === 'aborted' ? 'event-error aborted' : (data.fatal ? 'event-error fatal' : 'event-error');
		const line = element('p', className);
		line.append(element('strong', '', label));
		if (message)
			line.append(document.createTextNode(`: ${message}`));
		this.log.append(line);
		this.textBlock = null;
	}

	atEnd() {
		const log = this.log;
		return log.scrollHeight - log.scrollTop - log.clientHeight < 40;
	}

	scrollToEnd(stick) {
		if (stick)
			this.log.scrollTop = this.log.scrollHeight;
	}
}
