// dom.js: element creation shared by the page's modules.

// Make an element whose text, if any, goes in through textContent, so text
// from the server or the agent is never parsed as HTML.
export function element(tag, className, text) {
	const node = document.createElement(tag);
	if (className)
		node.className = className;
	if (text !== undefined)
		node.textContent = text;
	return node;
}
