// power.js: the VM panel: state, a button per power verb, the confirmation dialog, output, audit.
//
// It talks to GET /pve, POST /pve and GET /audit only, so it keeps working
// when the chat agent does not.

import { ApiError, getJson, postJson } from './api.js';
import { element } from './dom.js';
import { setUi } from './state.js';

// How often the VM state is read again while the page is visible.
const STATUS_INTERVAL_MS = 30 * 1000;

// How long the page waits for one verb before giving up. The server's own
// verb_timeout (180 s by default) should end it first with a 504.
const VERB_CLIENT_TIMEOUT_MS = 240 * 1000;

// Records fetched, and rows shown once routine status checks are left out.
const AUDIT_FETCH = 200;
const AUDIT_ROWS = 20;

// The page itself checks the VM's status every 30 s, and each check writes
// a begin and a run record; the panel leaves the successful ones out so the
// actions an operator looks for stay in view. The log keeps them all.
function isRoutine(record) {
	const readOnly = record.verb === 'status' || record.verb === 'forensics';
	if (record.action === 'pve.begin' && readOnly)
		return true;
	return record.action === 'pve.run' && record.verb === 'status' && record.ok === true;
}

// One sentence per mutating verb for the confirmation dialog; a verb the
// page does not know uses the server's description.
const VERB_SENTENCES = {
	start: 'Start boots the VM in a fresh qemu process (qm start).',
	stop: 'Stop is a hard power-off: the VM is cut off at once, with no clean shutdown of the guest (qm stop).',
	reset: 'Reset is a hard reset, like pressing the machine\'s reset button: the guest reboots at once inside the same qemu process (qm reset).',
	cycle: 'Cycle stops the VM, waits until it is stopped, then starts a fresh qemu process (stop, then start).',
};

function formatTime(value) {
	let date = null;
	if (typeof value === 'number')
		date = new Date(value > 1e12 ? value : value * 1000);
	else if (typeof value === 'string' && value)
		date = new Date(value);
	if (!date || Number.isNaN(date.getTime()))
		return typeof value === 'string' ? value : '';
	if (date.toDateString() === new Date().toDateString())
		return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
	return date.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function formatSeconds(ms) {
	return `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
}

export class Power {
	// elements: { vmid, state, checked, verbs, progress, outputTitle, output,
	// copy, audit, dialog, dialogTitle, dialogWhat, dialogWord, dialogInput,
	// dialogOk, dialogCancel }; hooks: { announce(text), showError(err) }.
	constructor(elements, hooks) {
		this.el = elements;
		this.hooks = hooks;
		this.vmid = null;
		this.verbs = [];
		this.running = null;
		this.timer = null;
		this.retry = null;
		this.started = false;

		this.el.copy.addEventListener('click', () => this.copyOutput());
		this.el.dialogInput.addEventListener('input', () => this.checkConfirmWord());
		this.el.dialogCancel.addEventListener('click', () => this.el.dialog.close('cancel'));
		this.el.dialog.querySelector('form').addEventListener('submit', (event) => {
			event.preventDefault();
			if (!this.el.dialogOk.disabled)
				this.el.dialog.close('confirm');
		});
		document.addEventListener('visibilitychange', () => {
			if (this.started && document.visibilityState === 'visible')
				this.refresh();
		});
	}

	async start() {
		if (this.started)
			return;
		this.started = true;
		const audit = this.loadAudit();

		try {
			const body = await getJson('/pve');
			this.vmid = body.vmid ?? null;
			this.verbs = Array.isArray(body.verbs) ? body.verbs : [];
		} catch (err) {
			// Without the verb list there are no buttons: try again quietly,
			// so a passing failure does not leave the panel empty.
			this.started = false;
			this.setState('unknown', err.message);
			if (err.status !== 401)
				this.retry = setTimeout(() => this.start().catch(() => {}), STATUS_INTERVAL_MS);
			throw err;
		}
		this.el.vmid.textContent = this.vmid === null ? '?' : String(this.vmid);
		this.renderVerbs();

		this.timer = setInterval(() => {
			if (document.visibilityState === 'visible')
				this.refresh();
		}, STATUS_INTERVAL_MS);
		await Promise.all([this.refresh(), audit]);
	}

	stop() {
		clearInterval(this.timer);
		clearTimeout(this.retry);
		this.timer = null;
		this.started = false;
	}

	renderVerbs() {
		const buttons = this.verbs.map((verb) => {
			const button = element('button', verb.mutating ? 'verb danger-button' : 'verb', verb.name);
			button.type = 'button';
			button.dataset.verb = verb.name;
			button.dataset.offWhen = 'verb-running auth-signin';
			button.title = verb.description || '';
			button.setAttribute('aria-label', `${verb.name}${verb.mutating ? ' (asks for confirmation)' : ''}: ${verb.description || ''}`);
			button.addEventListener('click', () => this.press(verb));
			return button;
		});
		this.el.verbs.replaceChildren(...buttons);
		setUi({});
	}

	// Read the VM state quietly: a failure shows as "unknown" with its reason,
	// not as an alert every 30 seconds.
	async refresh() {
		if (this.running)
			return;
		try {
			const result = await postJson('/pve', { verb: 'status' });
			if (!this.running)
				this.setState(result.state || 'unknown', result.ok ? '' : 'The status command failed.');
		} catch (err) {
			if (!this.running)
				this.setState('unknown', `${err.message}`);
		}
	}

	setState(state, problem) {
		const name = typeof state === 'string' && state ? state : 'unknown';
		this.el.state.textContent = name;
		this.el.state.className = `vm-state-value state-${/^[a-z]+$/.test(name) ? name : 'other'}`;
		const when = new Date().toLocaleTimeString();
		this.el.checked.textContent = problem ? `checked ${when}: ${problem}` : `checked ${when}`;
	}

	async press(verb) {
		if (this.running)
			return;
		let confirm;
		if (verb.mutating) {
			if (!(await this.askConfirmation(verb)))
				return;
			confirm = verb.name;
		}
		await this.run(verb.name, confirm);
	}

	askConfirmation(verb) {
		const dialog = this.el.dialog;
		const vm = this.vmid === null ? 'the VM' : `VM ${this.vmid}`;
		this.el.dialogTitle.textContent = `${verb.name[0].toUpperCase()}${verb.name.slice(1)} ${vm}?`;
		this.el.dialogWhat.textContent = VERB_SENTENCES[verb.name] || verb.description || '';
		this.el.dialogWord.textContent = verb.name;
		this.el.dialogOk.textContent = `${verb.name[0].toUpperCase()}${verb.name.slice(1)} ${vm}`;
		this.el.dialogInput.value = '';
		this.pendingVerb = verb.name;
		this.checkConfirmWord();

		return new Promise((resolve) => {
			dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
			dialog.returnValue = '';
			dialog.showModal();
			this.el.dialogInput.focus();
		});
	}

	// The confirm button works only once the verb itself is typed; case and
	// surrounding spaces are forgiven because phone keyboards add them.
	checkConfirmWord() {
		const typed = this.el.dialogInput.value.trim().toLowerCase();
		this.el.dialogOk.disabled = typed !== this.pendingVerb;
	}

	async run(verb, confirm) {
		const started = performance.now();
		const button = this.el.verbs.querySelector(`[data-verb="${verb}"]`);
		this.running = verb;
		setUi({ verb: 'running' });
		if (button) {
			button.classList.add('running');
			button.setAttribute('aria-busy', 'true');
		}
		const tick = () => {
			this.el.progress.textContent = `Running ${verb}… ${formatSeconds(performance.now() - started)}`;
		};
		tick();
		const ticker = setInterval(tick, 250);
		this.hooks.announce(`Running ${verb}.`);

		const controller = new AbortController();
		const timeout = setTimeout(() => controller.abort(), VERB_CLIENT_TIMEOUT_MS);
		const request = { verb };
		if (confirm)
			request.confirm = confirm;

		let result = null;
		let failure = null;
		try {
			result = await postJson('/pve', request, { signal: controller.signal });
		} catch (err) {
			failure = err.name === 'AbortError'
				? new ApiError(0, 'client_timeout', `No response to ${verb} after ${VERB_CLIENT_TIMEOUT_MS / 1000} s; check the VM state and the audit log before retrying.`)
				: err;
		} finally {
			clearTimeout(timeout);
			clearInterval(ticker);
			this.running = null;
			if (button) {
				button.classList.remove('running');
				button.removeAttribute('aria-busy');
			}
			setUi({ verb: 'idle' });
			// The button was disabled while the verb ran, which sent focus
			// to <body>; give it back so a keyboard user is where they were.
			if (button && (document.activeElement === document.body || document.activeElement === null))
				button.focus();
		}

		const took = formatSeconds(performance.now() - started);
		if (failure) {
			this.el.progress.textContent = `${verb} failed after ${took}: ${failure.message}`;
			this.hooks.announce(`${verb} failed.`);
			this.hooks.showError(failure, `Power ${verb}`);
			await Promise.all([this.refresh(), this.loadAudit()]);
			return;
		}

		this.showOutput(result, verb);
		if (result.state)
			this.setState(result.state, result.ok ? '' : `${verb} did not reach its goal.`);
		if (result.ok) {
			this.el.progress.textContent = `${verb} finished in ${took}${result.state ? `; the VM is ${result.state}` : ''}.`;
			this.hooks.announce(`${verb} finished.`);
		} else {
			const detail = `${verb} failed${result.state ? `; the VM is ${result.state}` : ''} (exit status ${result.exit_status ?? 'unknown'}).`;
			this.el.progress.textContent = detail;
			this.hooks.announce(`${verb} failed.`);
			this.hooks.showError(new ApiError(200, 'verb_failed', `${detail} See the output below.`), `Power ${verb}`);
		}
		if (verb !== 'status')
			await this.refresh();
		await this.loadAudit();
	}

	showOutput(result, verb) {
		const stamp = new Date().toLocaleTimeString();
		const status = result.ok ? 'ok' : 'failed';
		this.el.outputTitle.textContent = `Output of ${verb} (${status}, ${stamp})`;
		let text = typeof result.stdout === 'string' ? result.stdout : '';
		if (typeof result.stderr === 'string' && result.stderr) {
			if (text && !text.endsWith('\n'))
				text += '\n';
			text += `--- stderr ---\n${result.stderr}`;
		}
		this.el.output.textContent = text || '(no output)';
	}

	async copyOutput() {
		const text = this.el.output.textContent;
		try {
			await navigator.clipboard.writeText(text);
			this.hooks.announce('Output copied.');
		} catch {
			// No clipboard permission: select the text so the operator can copy it.
			const range = document.createRange();
			range.selectNodeContents(this.el.output);
			const selection = window.getSelection();
			selection.removeAllRanges();
			selection.addRange(range);
			this.hooks.announce('Output selected; copy it with the keyboard or the menu.');
		}
	}

	async loadAudit() {
		let records;
		try {
			const body = await getJson(`/audit?limit=${AUDIT_FETCH}`);
			records = Array.isArray(body) ? body : (body.records || body.audit || []);
		} catch (err) {
			const row = element('tr');
			const cell = element('td', 'audit-error', `The audit log could not be read: ${err.message}`);
			cell.colSpan = 4;
			row.append(cell);
			this.el.audit.replaceChildren(row);
			return;
		}

		const routine = records.filter(isRoutine).length;
		records = records.filter((record) => !isRoutine(record)).slice(0, AUDIT_ROWS);
		const rows = records.map((record) => {
			// A record written before an action ran ("pve.begin",
			// "chat.start") has no outcome yet.
			const begun = /\.(begin|start)$/.test(record.action || '');
			const row = element('tr', begun ? 'begun' : (record.ok ? 'ok' : 'failed'));
			row.append(element('td', 'when', formatTime(record.time)));
			row.append(element('td', 'who', record.user || '?'));
			const what = [record.action, record.verb || (record.session ? `session ${String(record.session).slice(0, 8)}` : '')]
			    .filter(Boolean).join(' ');
			row.append(element('td', 'what', what));
			const outcome = [begun ? 'started' : (record.ok ? 'ok' : 'failed')];
			if (record.state)
				outcome.push(record.state);
			if (typeof record.duration_ms === 'number')
				outcome.push(formatSeconds(record.duration_ms));
			row.append(element('td', 'result', outcome.join(', ')));
			return row;
		});
		if (rows.length === 0) {
			const row = element('tr');
			const cell = element('td', 'audit-empty', 'No records yet.');
			cell.colSpan = 4;
			row.append(cell);
			rows.push(row);
		}
		if (routine > 0) {
			const row = element('tr');
			const cell = element('td', 'audit-routine',
			    `${routine} routine status ${routine === 1 ? 'check' : 'checks'} not shown; GET /audit lists every record.`);
			cell.colSpan = 4;
			row.append(cell);
			rows.push(row);
		}
		this.el.audit.replaceChildren(...rows);
	}
}
