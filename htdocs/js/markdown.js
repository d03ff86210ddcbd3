// markdown.js: the agent's text rendered as markdown by markdown-it, never as raw HTML.
//
// markdown-it is vendored into htdocs/vendor/ by `make vendor` at the version
// pinned in tests/package.json. HTML in the source is escaped (html: false),
// and bare URLs stay text (linkify: false). Images are off because they would
// load from another origin. A link is kept only for http, https and mailto
// targets, so a javascript: link stays plain text.
//
// The renderer is imported dynamically: when the vendored file is missing, the
// rest of the page still loads and the text shows unformatted.

const SAFE_LINK = /^(https?:|mailto:)/i;

let md = null;

function configure(MarkdownIt) {
	const renderer = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: false });
	renderer.disable(['image']);
	renderer.validateLink = (url) => SAFE_LINK.test(url.trim());

	// Aligned table columns come out with style="text-align:..." attributes,
	// which the Content-Security-Policy blocks: use classes instead.
	for (const rule of ['th_open', 'td_open']) {
		renderer.renderer.rules[rule] = (tokens, idx, options, env, self) => {
			const token = tokens[idx];
			const align = /^text-align:(left|center|right)$/.exec(token.attrGet('style') || '');
			token.attrs = (token.attrs || []).filter(([name]) => name !== 'style');
			if (align)
				token.attrJoin('class', `align-${align[1]}`);
			return self.renderToken(tokens, idx, options);
		};
	}

	const renderLinkOpen = renderer.renderer.rules.link_open ||
	    ((tokens, idx, options, env, self) => self.renderToken(tokens, idx, options));
	renderer.renderer.rules.link_open = (tokens, idx, options, env, self) => {
		tokens[idx].attrSet('rel', 'noopener noreferrer');
		tokens[idx].attrSet('target', '_blank');
		return renderLinkOpen(tokens, idx, options, env, self);
	};
	return renderer;
}

// Load markdown-it; reject with a message naming the fix when it is missing.
export async function loadMarkdown() {
	let module;
	try {
		module = await import('../vendor/markdown-it.esm.min.mjs');
	} catch {
		throw new Error('The markdown renderer (htdocs/vendor/) is missing, so agent text shows unformatted; run make vendor on the server.');
	}
	md = configure(module.default);
}

// Render text into node: as markdown once markdown-it is loaded, else as
// plain text. markdown-it escapes every character that could start markup,
// so its output is safe to assign to innerHTML.
export function renderMarkdown(node, text) {
	if (md)
		node.innerHTML = md.render(text);
	else
		node.textContent = text;
}
