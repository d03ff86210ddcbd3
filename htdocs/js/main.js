// main.js: the page's wiring: sign-in, the sessions list, the chat, the VM panel, errors.

import { getJson, postJson, onUnauthorized, getToken, setToken, clearToken } from './api.js';
import { setUi, getUi } from './state.js';
import { Chat } from './chat.js';
import { Power } from './power.js';
import { loadMarkdown } from './markdown.js';

const $ = (id) => document.getElementById(id);

// How often the sessions list is read again while the page is visible. The
// list is also how the open session notices a turn started in another tab.
const SESSIONS_INTERVAL_MS = 10 * 1000;

// Pause between emptying the status line and writing it, for screen readers.
const ANNOUNCE_DELAY_MS = 50;

const SESSION_HASH = /^#session=([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

// Errors: the role="alert" element shows one at a time; the global handler
// below shows only the first unexpected one, so a loop of errors cannot hide
// its cause.

let unexpectedShown = false;

function showError(err, context) {
	const message = err && err.message ? err.message : String(err);
	const code = err && err.code ? ` (${err.code})` : '';
	$('alert-text').textContent = `${context ? `${context}: ` : ''}${message}${code}`;
}

function clearError() {
	$('alert-text').textContent = '';
}

function reportUnexpected(reason) {
	console.error('breakglass: unexpected error', reason);
	if (unexpectedShown)
		return;
	unexpectedShown = true;
	showError(reason instanceof Error ? reason : new Error(String(reason)), 'Unexpected error in the page');
}

window.addEventListener('error', (event) => reportUnexpected(event.error || event.message));
window.addEventListener('unhandledrejection', (event) => reportUnexpected(event.reason));

// The polite status line. Emptying it first makes the same text twice be
// announced twice; a timer, unlike an animation frame, also fires in a
// background tab.
let announceTimer = null;

function announce(text) {
	const line = $('status-line');
	line.textContent = '';
	clearTimeout(announceTimer);
	announceTimer = setTimeout(() => {
		line.textContent = text;
	}, ANNOUNCE_DELAY_MS);
}

const chat = new Chat({ log: $('log'), title: $('chat-title'), conn: $('conn-state') }, {
	announce,
	showError: (err) => showError(err, 'Chat'),
	onTurnEnd: () => {
		loadSessions().catch((err) => showError(err, 'Sessions'));
		power.loadAudit();
	},
});

const power = new Power({
	vmid: $('vm-id'),
	state: $('vm-state'),
	checked: $('vm-checked'),
	verbs: $('verbs'),
	progress: $('verb-progress'),
	outputTitle: $('output-title'),
	output: $('vm-output'),
	copy: $('copy-output'),
	audit: $('audit'),
	dialog: $('confirm'),
	dialogTitle: $('confirm-title'),
	dialogWhat: $('confirm-what'),
	dialogWord: $('confirm-word'),
	dialogInput: $('confirm-input'),
	dialogOk: $('confirm-ok'),
	dialogCancel: $('confirm-cancel'),
}, { announce, showError });

// Text rendered before markdown-it loads stays plain, so a session's history
// is opened only after this settles.
const markdownReady = loadMarkdown().catch((err) => showError(err));

// Sessions

let currentSession = null;

function formatWhen(value) {
	const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
	if (Number.isNaN(date.getTime()))
		return '';
	const today = new Date().toDateString() === date.toDateString();
	return today
		? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
		: date.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

async function loadSessions() {
	const body = await getJson('/session');
	const sessions = Array.isArray(body.sessions) ? body.sessions : [];
	const items = sessions.map((session) => {
		const item = document.createElement('li');
		const button = document.createElement('button');
		button.type = 'button';
		button.className = 'session';
		button.dataset.session = session.id;
		if (session.id === currentSession)
			button.setAttribute('aria-current', 'true');

		const title = document.createElement('span');
		title.className = 'session-title';
		title.textContent = session.title || 'New session';
		const when = document.createElement('span');
		when.className = 'session-when';
		when.textContent = formatWhen(session.updated ?? session.created);
		button.append(title, when);
		if (session.running) {
			const running = document.createElement('span');
			running.className = 'session-running';
			running.textContent = 'running';
			button.append(running);
		}
		button.addEventListener('click', () => openSession(session.id, session.title));
		if (session.id === currentSession && session.title)
			$('chat-title').textContent = session.title;
		item.append(button);
		return item;
	});
	for (const session of sessions)
		if (session.running)
			chat.noticeRunning(session.id);
	if (items.length === 0) {
		const empty = document.createElement('li');
		empty.className = 'session-empty';
		empty.textContent = 'No sessions yet: type a message to start one.';
		items.push(empty);
	}
	$('session-list').replaceChildren(...items);
}

function markCurrent() {
	for (const button of document.querySelectorAll('#session-list .session')) {
		if (button.dataset.session === currentSession)
			button.setAttribute('aria-current', 'true');
		else
			button.removeAttribute('aria-current');
	}
}

async function openSession(id, title) {
	currentSession = id;
	chat.sessionId = id;
	history.replaceState(null, '', `#session=${id}`);
	markCurrent();
	try {
		await chat.open(id, title);
	} catch (err) {
		if (err.name !== 'AbortError')
			showError(err, 'Opening the session');
	}
}

async function newSession() {
	const body = await postJson('/session', {});
	await openSession(body.id, '');
	await loadSessions();
	return body.id;
}

// Chat composer

async function submitMessage(event) {
	event.preventDefault();
	const box = $('message');
	const text = box.value;
	if (text.trim() === '' || getUi().turn !== 'idle')
		return;

	clearError();
	try {
		if (!currentSession)
			await newSession();
	} catch (err) {
		showError(err, 'New session');
		return;
	}
	box.value = '';
	chat.send(text);
}

function onMessageKey(event) {
	if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
		event.preventDefault();
		$('composer').requestSubmit();
	}
}

// Sign-in

let signingIn = false;

function showSignIn() {
	const hadToken = getToken() !== '';
	clearToken();
	chat.detach();
	power.stop();
	setUi({ auth: 'signin', token: 'none' });
	$('signin-error').textContent = hadToken || signingIn ? 'The token was not accepted; check it and try again.' : '';
	$('token').focus();
}

async function submitSignIn(event) {
	event.preventDefault();
	const token = $('token').value.trim();
	if (!token)
		return;
	setToken(token);
	signingIn = true;
	try {
		await start();
	} finally {
		signingIn = false;
	}
}

function signOut() {
	clearToken();
	chat.close();
	currentSession = null;
	power.stop();
	$('session-list').replaceChildren();
	$('token').value = '';
	$('signin-error').textContent = '';
	history.replaceState(null, '', location.pathname);
	setUi({ auth: 'signin', token: 'none' });
	announce('Signed out.');
	$('token').focus();
}

// Start: the first GET /session shows whether a sign-in is needed.

async function start() {
	setUi({ token: getToken() ? 'set' : 'none' });
	try {
		await loadSessions();
	} catch (err) {
		if (err.status === 401)
			return;
		showError(err, 'Sessions');
	}
	setUi({ auth: 'ok' });
	$('token').value = '';
	$('signin-error').textContent = '';
	if (signingIn)
		announce('Signed in.');

	power.start().catch((err) => showError(err, 'VM panel'));
	const match = SESSION_HASH.exec(location.hash);
	if (match) {
		await markdownReady;
		await openSession(match[1]);
	}
}

// Another operator's sessions and turns show up without a reload.
setInterval(() => {
	if (getUi().auth === 'ok' && document.visibilityState === 'visible')
		loadSessions().catch(() => {});
}, SESSIONS_INTERVAL_MS);

onUnauthorized(() => showSignIn());
$('signin-form').addEventListener('submit', (event) => {
	submitSignIn(event).catch((err) => showError(err, 'Sign-in'));
});
$('sign-out').addEventListener('click', signOut);
$('alert-close').addEventListener('click', clearError);
$('new-session').addEventListener('click', () => {
	clearError();
	newSession().catch((err) => showError(err, 'New session'));
});
$('composer').addEventListener('submit', (event) => {
	submitMessage(event).catch((err) => showError(err, 'Chat'));
});
$('message').addEventListener('keydown', onMessageKey);
$('stop').addEventListener('click', () => chat.stop());

setUi({});
start().catch((err) => showError(err, 'Start'));
