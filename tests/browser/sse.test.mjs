// sse.test.mjs: unit tests of htdocs/js/sse.js under node --test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// htdocs has no package.json saying "type": "module", so node would read
// sse.js as CommonJS; it imports nothing, so it loads fine from a data: URL.
const source = readFileSync(fileURLToPath(new URL('../../htdocs/js/sse.js', import.meta.url)), 'utf8');
const { SseParser, SseError, readEvents, SSE_LINE_MAX } =
    await import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);

const encoder = new TextEncoder();

// Feed the parser each chunk in turn and collect every event, finish included.
function parseChunks(chunks, options) {
	const parser = new SseParser(options);
	const events = [];
	for (const chunk of chunks)
		events.push(...parser.push(typeof chunk === 'string' ? encoder.encode(chunk) : chunk));
	events.push(...parser.finish());
	return events;
}

// Split bytes into two chunks at every position, and into one-byte chunks.
function splits(bytes) {
	const out = [];
	for (let i = 0; i <= bytes.length; i++)
		out.push([bytes.slice(0, i), bytes.slice(i)]);
	out.push(Array.from(bytes, (b) => Uint8Array.of(b)));
	return out;
}

const TWO_EVENTS = 'id: 1\nevent: text\ndata: {"text":"hi","parent":null}\n\n' +
    ': keepalive\n\nid: 2\nevent: done\ndata: {"exit":0,"ok":true}\n\n';
const TWO_EVENTS_PARSED = [
	{ id: '1', event: 'text', data: '{"text":"hi","parent":null}' },
	{ id: '2', event: 'done', data: '{"exit":0,"ok":true}' },
];

test('one chunk gives every event', () => {
	assert.deepEqual(parseChunks([TWO_EVENTS]), TWO_EVENTS_PARSED);
});

test('split chunks at every byte give the same events', () => {
	for (const chunks of splits(encoder.encode(TWO_EVENTS)))
		assert.deepEqual(parseChunks(chunks), TWO_EVENTS_PARSED);
});

test('CRLF line ends', () => {
	const crlf = TWO_EVENTS.replaceAll('\n', '\r\n');
	for (const chunks of splits(encoder.encode(crlf)))
		assert.deepEqual(parseChunks(chunks), TWO_EVENTS_PARSED);
});

test('CR-only line ends', () => {
	const cr = TWO_EVENTS.replaceAll('\n', '\r');
	for (const chunks of splits(encoder.encode(cr)))
		assert.deepEqual(parseChunks(chunks), TWO_EVENTS_PARSED);
});

test('CRLF split across chunks is one line end', () => {
	const events = parseChunks(['data: a\r', '\ndata: b\r', '\n\r', '\n']);
	assert.deepEqual(events, [{ id: '', event: 'message', data: 'a\nb' }]);
});

test('mixed line ends in one stream', () => {
	const events = parseChunks(['data: a\rdata: b\ndata: c\r\n\n']);
	assert.deepEqual(events, [{ id: '', event: 'message', data: 'a\nb\nc' }]);
});

test('comments are ignored', () => {
	const events = parseChunks([': keepalive\n\n', ':\n', 'data: x\n: inside an event\n\n', ': tail\n\n']);
	assert.deepEqual(events, [{ id: '', event: 'message', data: 'x' }]);
});

test('multibyte character split across chunks', () => {
	const text = 'data: {"text":"é🙂 ✓"}\n\n';
	const bytes = encoder.encode(text);
	for (const chunks of splits(bytes)) {
		const events = parseChunks(chunks);
		assert.equal(events.length, 1);
		assert.equal(events[0].data, '{"text":"é🙂 ✓"}');
	}
});

test('invalid UTF-8 becomes U+FFFD', () => {
	const bytes = Uint8Array.of(...encoder.encode('data: a'), 0xff, 0xc3, ...encoder.encode('\n\n'));
	assert.deepEqual(parseChunks([bytes]), [{ id: '', event: 'message', data: 'a\uFFFD\uFFFD' }]);
});

test('leading byte order mark is dropped', () => {
	const bytes = Uint8Array.of(0xef, 0xbb, 0xbf, ...encoder.encode('data: x\n\n'));
	assert.deepEqual(parseChunks([bytes]), [{ id: '', event: 'message', data: 'x' }]);
});

test('field rules: one space dropped, no colon, unknown fields', () => {
	const events = parseChunks(['data:  two spaces\ndata\ndata:none\nfoo: bar\nretry: 3000\n\n']);
	assert.deepEqual(events, [{ id: '', event: 'message', data: ' two spaces\n\nnone' }]);
});

test('retry field sets the reconnection time', () => {
	const parser = new SseParser();
	parser.push(encoder.encode('retry: 1500\nretry: soon\n\n'));
	assert.equal(parser.retry, 1500);
});

test('id persists and event type resets', () => {
	const events = parseChunks(['id: 7\nevent: tool\ndata: a\n\ndata: b\n\n']);
	assert.deepEqual(events, [
		{ id: '7', event: 'tool', data: 'a' },
		{ id: '7', event: 'message', data: 'b' },
	]);
});

test('id with a NUL is ignored', () => {
	const events = parseChunks(['id: 3\n\nid: 4\0x\ndata: a\n\n']);
	assert.deepEqual(events, [{ id: '3', event: 'message', data: 'a' }]);
});

test('event without data is not dispatched', () => {
	assert.deepEqual(parseChunks(['id: 1\nevent: text\n\n']), []);
});

test('unfinished event at the end is dropped', () => {
	assert.deepEqual(parseChunks(['data: a\n\ndata: b\n']), [{ id: '', event: 'message', data: 'a' }]);
});

test('line over the cap throws', () => {
	const parser = new SseParser({ maxLine: 16 });
	parser.push(encoder.encode('data: 0123456789'));	// 16 characters: allowed
	assert.throws(() => parser.push(encoder.encode('x')), (err) => err instanceof SseError && err.code === 'sse_line_too_long');
});

test('line over the cap in one chunk throws', () => {
	const parser = new SseParser({ maxLine: 16 });
	assert.throws(() => parser.push(encoder.encode('data: 0123456789abc\n\n')), SseError);
});

test('event data over the cap throws', () => {
	const parser = new SseParser({ maxLine: 16 });
	assert.throws(() => parser.push(encoder.encode('data: 01234567\ndata: 01234567\n')), SseError);
});

test('default cap is 16 MiB', () => {
	assert.equal(SSE_LINE_MAX, 16 * 1024 * 1024);
});

test('readEvents reads a ReadableStream to its end', async () => {
	const chunks = splits(encoder.encode(TWO_EVENTS)).at(-1);
	const body = new ReadableStream({
		start(controller) {
			for (const chunk of chunks)
				controller.enqueue(chunk);
			controller.close();
		},
	});
	const events = [];
	await readEvents(body, new SseParser(), (event) => events.push(event));
	assert.deepEqual(events, TWO_EVENTS_PARSED);
});

test('readEvents rejects when the stream errors', async () => {
	let pulls = 0;
	const body = new ReadableStream({
		pull(controller) {
			if (pulls++ === 0)
				controller.enqueue(encoder.encode('data: a\n\ndata: b'));
			else
				controller.error(new TypeError('network error'));
		},
	});
	const events = [];
	await assert.rejects(readEvents(body, new SseParser(), (event) => events.push(event)), TypeError);
	assert.deepEqual(events, [{ id: '', event: 'message', data: 'a' }]);
});
