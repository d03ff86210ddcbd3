// markdown.js: the agent's text rendered as markdown by markdown-it, never as raw HTML.
//
// markdown-it is vendored into htdocs/vendor/ by `make vendor` at the version
// pinned in tests/package.json. HTML in the source is escaped (html: false),
// and bare URLs stay text (linkify: false). Images are off because they would
// load from another origin. A link is kept only for http, https and mailto
// targets, so a javascript: link stays plain text.

import MarkdownIt from '../vendor/markdown-it.esm.min.mjs';

const md = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: false });
md.disable(['image']);

const SAFE_LINK = /^(https?:|mailto:)/i;
md.validateLink = (url) => SAFE_LINK.test(url.trim());

const renderLinkOpen = md.renderer.rules.link_open ||
    ((tokens, idx, options, env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
	tokens[idx].attrSet('rel', 'noopener noreferrer');
	tokens[idx].attrSet('target', '_blank');
	return renderLinkOpen(tokens, idx, options, env, self);
};

// Return the HTML of text; markdown-it escapes every character that could
// start markup, so the result is safe to assign to innerHTML.
export function renderMarkdown(text) {
	return md.render(text);
}
