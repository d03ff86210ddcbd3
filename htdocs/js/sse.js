// sse.js: server-sent events framing, bytes to lines to events, with no DOM.
//
// The page reads its streams with fetch (EventSource cannot send an
// Authorization header), so it parses the framing itself, following the
// WHATWG HTML "event stream interpretation" rules:
//   - lines end in CR, LF or CRLF, and a CRLF split across two chunks is one
//     line end;
//   - a line starting with ':' is a comment;
//   - "field: value" sets id, event, data or retry, and one space after the
//     colon is dropped;
//   - a blank line dispatches the event when data was seen.
// Bytes go through one TextDecoder in stream mode, so a UTF-8 character split
// across chunks is decoded whole, and invalid bytes become U+FFFD.

// Maximum characters in one line, or in one event's data, before the stream is
// abandoned as broken. The server cuts its input lines at 16 MiB, and a tool
// call's input (a file written by the agent) can approach that.
export const SSE_LINE_MAX = 16 * 1024 * 1024;

export class SseError extends Error {
	constructor(code, message) {
		super(message);
		this.name = 'SseError';
		this.code = code;
	}
}

export class SseParser {
	constructor({ maxLine = SSE_LINE_MAX } = {}) {
		this.maxLine = maxLine;
		this.decoder = new TextDecoder('utf-8');
		this.pending = '';	// text after the last line end
		this.skipLF = false;	// the previous chunk ended in CR
		this.data = [];
		this.dataLength = 0;
		this.eventType = '';
		this.lastEventId = '';
		this.retry = null;
	}

	// Take one chunk of bytes (a Uint8Array) and return the events it completed.
	push(bytes) {
		return this.pushText(this.decoder.decode(bytes, { stream: true }));
	}

	// Flush the decoder at the end of the stream. A last event without its
	// blank line is discarded, as the WHATWG standard requires.
	finish() {
		const events = this.pushText(this.decoder.decode());
		this.pending = '';
		this.data = [];
		this.dataLength = 0;
		this.eventType = '';
		return events;
	}

	pushText(text) {
		const events = [];
		let start = 0;

		if (this.skipLF && text.length > 0) {
			if (text.charCodeAt(0) === 10)
				start = 1;
			this.skipLF = false;
		}

		for (let i = start; i < text.length; i++) {
			const c = text.charCodeAt(i);
			if (c !== 10 && c !== 13)
				continue;

			const line = this.pending + text.slice(start, i);
			this.pending = '';
			this.checkLength(line.length);
			this.takeLine(line, events);

			if (c === 13) {
				if (i + 1 < text.length) {
					if (text.charCodeAt(i + 1) === 10)
						i++;
				} else {
					this.skipLF = true;
				}
			}
			start = i + 1;
		}

		if (start < text.length) {
			this.pending += text.slice(start);
			this.checkLength(this.pending.length);
		}
		return events;
	}

	checkLength(length) {
		if (length > this.maxLine)
			throw new SseError('sse_line_too_long',
			    `An event stream line is longer than ${this.maxLine} characters.`);
	}

	takeLine(line, events) {
		if (line === '') {
			this.dispatch(events);
			return;
		}
		if (line.charCodeAt(0) === 58)	// ':' comment, such as a keepalive
			return;

		const colon = line.indexOf(':');
		let field = line;
		let value = '';
		if (colon >= 0) {
			field = line.slice(0, colon);
			value = line.slice(colon + 1);
			if (value.charCodeAt(0) === 32)
				value = value.slice(1);
		}

		switch (field) {
		case 'event':
			this.eventType = value;
			break;
		case 'data':
			this.dataLength += value.length + 1;
			this.checkLength(this.dataLength);
			this.data.push(value);
			break;
		case 'id':
			if (!value.includes('\0'))
				this.lastEventId = value;
			break;
		case 'retry':
			if (/^[0-9]+$/.test(value))
				this.retry = Number(value);
			break;
		default:
			break;
		}
	}

	dispatch(events) {
		if (this.data.length > 0) {
			events.push({
				id: this.lastEventId,
				event: this.eventType || 'message',
				data: this.data.join('\n'),
			});
		}
		this.data = [];
		this.dataLength = 0;
		this.eventType = '';
	}
}

// Read a fetch body (a ReadableStream of bytes) to its end, calling onEvent
// for each event. Return normally at the end of the stream; a network error
// or an abort rejects.
export async function readEvents(body, parser, onEvent) {
	const reader = body.getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done)
				break;
			for (const event of parser.push(value))
				onEvent(event);
		}
		for (const event of parser.finish())
			onEvent(event);
	} catch (err) {
		reader.cancel().catch(() => {});
		throw err;
	} finally {
		reader.releaseLock();
	}
}
