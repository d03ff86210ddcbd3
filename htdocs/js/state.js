// state.js: the page's one UI state, changed only through setUi().
//
// Each key becomes a class "<key>-<value>" on <html>, and CSS decides what
// shows. A control that must not be used in some states carries
// data-off-when="turn-running verb-running": any class listed disables it.
// That rule lives here and not in every handler.

const state = {
	auth: 'unknown',	// unknown, signin, ok
	token: 'none',		// none, set: a bearer token is stored
	session: 'none',	// none, open
	turn: 'idle',		// idle, running, stopping
	conn: 'idle',		// idle, open, reconnecting, lost
	verb: 'idle',		// idle, running
};

export function getUi() {
	return { ...state };
}

export function setUi(patch) {
	Object.assign(state, patch);

	const root = document.documentElement;
	const keep = [...root.classList].filter((name) => !Object.keys(state).some((key) => name.startsWith(`${key}-`)));
	root.className = [...keep, ...Object.entries(state).map(([key, value]) => `${key}-${value}`)].join(' ');

	for (const control of document.querySelectorAll('[data-off-when]')) {
		const conditions = control.dataset.offWhen.split(/\s+/).filter(Boolean);
		control.disabled = conditions.some((name) => root.classList.contains(name));
	}
}
