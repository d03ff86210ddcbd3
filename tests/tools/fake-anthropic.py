#!/usr/bin/env python3
"""tests/tools/fake-anthropic.py: a scripted stand-in of the Anthropic Messages API on loopback.

Usage: fake-anthropic.py --port-file FILE --log FILE [--port N]

It listens on 127.0.0.1, on port N or on a free one written to --port-file.
It replies to POST /v1/messages with Anthropic's streaming server-sent events
(message_start, content_block_start, content_block_delta, content_block_stop,
message_delta, message_stop). A request that does not ask to stream gets one
JSON message. Each request body is appended to --log as one JSON line, so a
test can check that a resumed turn carries the earlier turns' messages.

The scenario is picked from the text of the newest user message that is
not only tool results (the operator's message of the turn):
  "SCENARIO:bash <command>"  a Bash tool call running <command>; once the
                             tool_result comes back, a text answer quoting
                             the tool's output
  "SCENARIO:529"             HTTP 529 overloaded_error, every time
  "SCENARIO:slow [N]"        N words of text (default 300), one per 200 ms
  anything else              one short text answer
"""
import argparse
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "claude-sonnet-4-5"
LOG_LOCK = threading.Lock()


def text_of(content):
    """Return the text of a message's content, a string or a list of blocks."""
    if isinstance(content, str):
        return content
    parts = []
    for block in content or []:
        if block.get("type") == "text":
            parts.append(block.get("text", ""))
        elif block.get("type") == "tool_result":
            parts.append(text_of(block.get("content")))
    return "\n".join(parts)


def latest_user_text(messages):
    """Return the text of the newest user message that has text of its own
    (not only tool results): the operator's message of this turn."""
    for m in reversed(messages):
        if m.get("role") != "user":
            continue
        content = m.get("content")
        if isinstance(content, str):
            return content
        texts = [b.get("text", "") for b in content or [] if b.get("type") == "text"]
        if any(t.strip() for t in texts):
            return "\n".join(texts)
    return ""


def last_tool_result(messages):
    """Return the output of the newest tool_result, or None when the last
    user message carries none."""
    if not messages or messages[-1].get("role") != "user":
        return None
    content = messages[-1].get("content")
    if not isinstance(content, list):
        return None
    for block in content:
        if block.get("type") == "tool_result":
            return text_of(block.get("content"))
    return None


def scenario_of(text):
    i = text.find("SCENARIO:")
    if i < 0:
        return "plain", ""
    rest = text[i + len("SCENARIO:"):]
    name, _, arg = rest.partition(" ")
    return name.strip(), arg.strip().splitlines()[0] if arg.strip() else ""


def plan(body):
    """Decide the reply: ("error", status, type, message) or ("reply",
    blocks, stop_reason, delay) with blocks a list of ("text", s) or
    ("tool_use", name, input)."""
    messages = body.get("messages", [])
    name, arg = scenario_of(latest_user_text(messages))
    result = last_tool_result(messages)
    if name == "529":
        return ("error", 529, "overloaded_error", "Overloaded")
    if name == "bash":
        if result is None:
            return ("reply", [("text", "Let me run that."),
                              ("tool_use", "Bash", {"command": arg, "description": "Run the requested command"})],
                    "tool_use", 0)
        # The CLI appends <system-reminder> blocks to tool results: not output.
        output = result.split("<system-reminder>")[0].strip()
        return ("reply", [("text", "The command printed: " + output)], "end_turn", 0)
    if name == "slow":
        count = int(arg) if arg.isdigit() else 300
        return ("reply", [("text", " ".join("word%d" % i for i in range(count)))], "end_turn", 0.2)
    return ("reply", [("text", "Hello from the scripted model. The VM looks fine.")], "end_turn", 0)


def sse(event, data):
    return ("event: %s\ndata: %s\n\n" % (event, json.dumps(data))).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("fake-anthropic: " + (fmt % args) + "\n")

    def send_json(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", "req_fake")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": "Not found"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        path = self.path.split("?", 1)[0]
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self.send_json(400, {"type": "error", "error": {"type": "invalid_request_error", "message": "bad JSON"}})
            return
        with LOG_LOCK, open(self.server.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"path": path, "body": body}) + "\n")

        if path == "/v1/messages/count_tokens":
            self.send_json(200, {"input_tokens": 42})
            return
        if path != "/v1/messages":
            self.send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": "Not found"}})
            return

        decision = plan(body)
        if decision[0] == "error":
            _, status, etype, message = decision
            self.send_json(status, {"type": "error", "error": {"type": etype, "message": message}})
            return
        _, blocks, stop_reason, delay = decision
        msg_id = "msg_fake_" + uuid.uuid4().hex[:20]
        if not body.get("stream"):
            content = []
            for b in blocks:
                if b[0] == "text":
                    content.append({"type": "text", "text": b[1]})
                else:
                    content.append({"type": "tool_use", "id": "toolu_" + uuid.uuid4().hex[:22], "name": b[1], "input": b[2]})
            self.send_json(200, {"id": msg_id, "type": "message", "role": "assistant", "model": MODEL,
                                 "content": content, "stop_reason": stop_reason, "stop_sequence": None,
                                 "usage": {"input_tokens": 42, "output_tokens": 12}})
            return
        self.stream(msg_id, blocks, stop_reason, delay)

    def stream(self, msg_id, blocks, stop_reason, delay):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.send_header("request-id", "req_fake")
        self.end_headers()
        self.close_connection = True
        w = self.wfile
        try:
            w.write(sse("message_start", {"type": "message_start", "message": {
                "id": msg_id, "type": "message", "role": "assistant", "model": MODEL, "content": [],
                "stop_reason": None, "stop_sequence": None,
                "usage": {"input_tokens": 42, "output_tokens": 1}}}))
            for i, b in enumerate(blocks):
                if b[0] == "text":
                    w.write(sse("content_block_start", {"type": "content_block_start", "index": i,
                                                        "content_block": {"type": "text", "text": ""}}))
                    words = b[1].split(" ") if delay else [b[1]]
                    for j, word in enumerate(words):
                        piece = word if j == 0 else " " + word
                        w.write(sse("content_block_delta", {"type": "content_block_delta", "index": i,
                                                            "delta": {"type": "text_delta", "text": piece}}))
                        w.flush()
                        if delay:
                            time.sleep(delay)
                else:
                    w.write(sse("content_block_start", {"type": "content_block_start", "index": i,
                                                        "content_block": {"type": "tool_use",
                                                                          "id": "toolu_" + uuid.uuid4().hex[:22],
                                                                          "name": b[1], "input": {}}}))
                    w.write(sse("content_block_delta", {"type": "content_block_delta", "index": i,
                                                        "delta": {"type": "input_json_delta",
                                                                  "partial_json": json.dumps(b[2])}}))
                w.write(sse("content_block_stop", {"type": "content_block_stop", "index": i}))
                w.flush()
            w.write(sse("message_delta", {"type": "message_delta",
                                          "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                                          "usage": {"output_tokens": 12}}))
            w.write(sse("message_stop", {"type": "message_stop"}))
            w.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: a free one)")
    ap.add_argument("--port-file", help="file to write the port to once listening")
    ap.add_argument("--log", required=True, help="file to append each request body to, one JSON line each")
    args = ap.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.log_path = args.log
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % server.server_address[1])
        import os
        os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
