// api.js: calls to the breakglass routes, with no DOM.
//
// Every request carries the bearer token kept in sessionStorage, when there is
// one; behind the edge proxy there is none and the proxy's header does the
// work. A response that is not 2xx becomes an ApiError with the code and the
// message of the route's {"error":{"code","message"}} body.

const TOKEN_KEY = 'breakglass.token';

export class ApiError extends Error {
	constructor(status, code, message) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.code = code;
	}
}

let unauthorizedHandler = null;

// Register fn, called with the ApiError of every 401 response.
export function onUnauthorized(fn) {
	unauthorizedHandler = fn;
}

export function getToken() {
	try {
		return sessionStorage.getItem(TOKEN_KEY) || '';
	} catch {
		return '';
	}
}

export function setToken(token) {
	sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
	sessionStorage.removeItem(TOKEN_KEY);
}

function buildHeaders(method, accept, extra) {
	const headers = new Headers(extra || {});
	headers.set('Accept', accept);
	if (method === 'POST' || method === 'DELETE')
		headers.set('Content-Type', 'application/json');
	const token = getToken();
	if (token)
		headers.set('Authorization', `Bearer ${token}`);
	return headers;
}

// Turn a failed response into an ApiError, reading its JSON error body when
// it has one.
async function toError(response) {
	let code = `http_${response.status}`;
	let message = `The server returned HTTP ${response.status}.`;
	try {
		const body = await response.json();
		if (body && body.error && typeof body.error.code === 'string') {
			code = body.error.code;
			if (typeof body.error.message === 'string' && body.error.message)
				message = body.error.message;
		}
	} catch {
		// Not JSON (a proxy's error page): keep the status-based message.
	}
	const err = new ApiError(response.status, code, message);
	if (response.status === 401 && unauthorizedHandler)
		unauthorizedHandler(err);
	return err;
}

// Send one request; return the Response when it is 2xx, else throw ApiError.
// An abort rethrows the AbortError; a network failure is ApiError "network".
async function send(method, path, { body, signal, accept = 'application/json', headers } = {}) {
	const init = {
		method,
		headers: buildHeaders(method, accept, headers),
		cache: 'no-store',
		credentials: 'same-origin',
		redirect: 'manual',
		signal,
	};
	if (method === 'POST' || method === 'DELETE')
		init.body = JSON.stringify(body === undefined ? {} : body);

	let response;
	try {
		response = await fetch(path, init);
	} catch (err) {
		if (err && err.name === 'AbortError')
			throw err;
		throw new ApiError(0, 'network', 'The server could not be reached; check the connection and try again.');
	}
	// The routes never redirect; the edge proxy does when its sign-in has
	// expired, and following that would fetch its login page as data.
	if (response.type === 'opaqueredirect')
		throw new ApiError(0, 'proxy_sign_in', 'The sign-in at the proxy has expired; reload the page to sign in again.');
	if (!response.ok)
		throw await toError(response);
	return response;
}

async function sendJson(method, path, options) {
	const response = await send(method, path, options);
	if (response.status === 204)
		return {};
	try {
		return await response.json();
	} catch {
		throw new ApiError(response.status, 'bad_response', 'The server returned a response that is not JSON.');
	}
}

export function getJson(path, options) {
	return sendJson('GET', path, options);
}

export function postJson(path, body, options) {
	return sendJson('POST', path, { ...options, body });
}

export function deleteJson(path, options) {
	return sendJson('DELETE', path, options);
}

// Open an event stream (POST /chat or GET /chat); return the Response, whose
// body the caller reads with sse.js. lastEventId, when given, is sent as
// Last-Event-ID so the server replays only what came after it.
export async function openStream(method, path, { body, signal, lastEventId } = {}) {
	const headers = {};
	if (lastEventId)
		headers['Last-Event-ID'] = String(lastEventId);
	const response = await send(method, path, { body, signal, headers, accept: 'text/event-stream' });
	const type = response.headers.get('Content-Type') || '';
	if (!type.startsWith('text/event-stream')) {
		response.body?.cancel().catch(() => {});
		throw new ApiError(response.status, 'bad_response', 'The server returned something other than an event stream.');
	}
	if (!response.body)
		throw new ApiError(response.status, 'bad_response', 'The event stream has no body.');
	return response;
}
