#!/usr/bin/env python3
"""Straightforward Python version of lib/translate.c, for speed comparison and cross-checks.

Reads stream-json lines from a file (or stdin) and prints one "name <json>"
line per chat event, with the same mapping as the C translator.
"""
import json
import math
import sys

LINE_MAX = 16 * 1024 * 1024
TOOL_OUTPUT_MAX = 16 * 1024
MESSAGE_MAX = 1024
ID_MAX = 128
DELTA_IDS = 256


def cut_utf8(data, limit):
    """Cut UTF-8 bytes to at most limit bytes on a character boundary."""
    if len(data) <= limit:
        return data, False
    n = limit
    while n > 0 and (data[n] & 0xC0) == 0x80:
        n -= 1
    return data[:n], True


def finite(value):
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(finite(v) for v in value.values())
    if isinstance(value, list):
        return all(finite(v) for v in value)
    return True


def reject_constant(name):
    raise ValueError(name)


def cli_id(obj, key):
    value = obj.get(key) if isinstance(obj, dict) else None
    if isinstance(value, str) and value and "\0" not in value:
        if len(value.encode()) <= ID_MAX:
            return value
    return None


def string_or_none(obj, key):
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) else None


def as_int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and -9.0e18 < value < 9.0e18:
        return int(value)
    return None


class Translator:
    def __init__(self, resumed=False):
        self.resumed = resumed
        self.saw_init = False
        self.saw_result = False
        self.cli_session = None
        self.stream_msg = None
        self.delta_ids = []

    def error(self, code, message):
        return [("error", {"code": code, "message": message, "fatal": False})]

    def line(self, raw):
        if len(raw) > LINE_MAX:
            return self.error("bad_line", "A line of the CLI's output is longer than 16 MiB and was skipped.")
        if not raw.strip(b" \t\r"):
            return []
        text = raw.decode("utf-8", errors="replace")
        try:
            obj = json.loads(text, parse_constant=reject_constant)
        except (ValueError, RecursionError):
            obj = None
        if not isinstance(obj, dict) or not finite(obj):
            return self.error("bad_line", "A line of the CLI's output is not a JSON object and was skipped.")
        handler = {
            "stream_event": self.stream_event,
            "assistant": self.assistant,
            "user": self.user,
            "system": self.system,
            "result": self.result,
        }.get(obj.get("type"))
        return handler(obj) if handler else []

    def text(self, text, line):
        if not isinstance(text, str) or not text:
            return []
        return [("text", {"text": text, "parent": string_or_none(line, "parent_tool_use_id")})]

    def system(self, line):
        subtype = line.get("subtype")
        if subtype == "init":
            session = cli_id(line, "session_id")
            if session:
                self.cli_session = session
            if self.saw_init:
                return []
            self.saw_init = True
            return [("session", {"session": string_or_none(line, "session_id"),
                                 "model": string_or_none(line, "model"),
                                 "resumed": self.resumed})]
        if subtype == "api_retry":
            msg = "The model API request failed"
            status = as_int(line.get("error_status"))
            if status is not None:
                msg += " with HTTP status %d" % status
            err = line.get("error")
            if isinstance(err, str) and 0 < len(err) <= 64 and all(c.isdigit() or c == "_" or "a" <= c <= "z" for c in err) and err.isascii():
                msg += " (%s)" % err
            msg += "; the CLI is retrying"
            attempt, max_retries = as_int(line.get("attempt")), as_int(line.get("max_retries"))
            if attempt is not None and max_retries is not None:
                msg += ", attempt %d of %d" % (attempt, max_retries)
            delay = as_int(line.get("retry_delay_ms"))
            if delay is not None:
                msg += " in %d ms" % delay
            return self.error("api_retry", msg + ".")
        if subtype == "permission_denied":
            tool = string_or_none(line, "tool_name")
            reason = string_or_none(line, "message")
            msg = "Permission to use %s was denied: %s" % (
                tool if tool is not None else "a tool",
                reason if reason is not None else "no reason given")
            data, _ = cut_utf8(msg.encode("utf-8", "surrogatepass"), MESSAGE_MAX)
            return self.error("permission_denied", data.decode("utf-8", "replace"))
        return []

    def stream_event(self, line):
        event = line.get("event")
        if not isinstance(event, dict):
            return []
        if event.get("type") == "message_start":
            self.stream_msg = cli_id(event.get("message"), "id")
            return []
        delta = event.get("delta")
        if event.get("type") != "content_block_delta" or not isinstance(delta, dict) \
                or delta.get("type") != "text_delta":
            return []
        msg_id = cli_id(line, "api_message_id") or self.stream_msg
        if msg_id and (not self.delta_ids or self.delta_ids[-1] != msg_id):
            self.delta_ids.append(msg_id)
            del self.delta_ids[:-DELTA_IDS]
        return self.text(delta.get("text"), line)

    def assistant(self, line):
        message = line.get("message")
        message = message if isinstance(message, dict) else {}
        content = message.get("content")
        msg_id = message.get("id")
        streamed = isinstance(msg_id, str) and msg_id in self.delta_ids
        if isinstance(content, str):
            return [] if streamed else self.text(content, line)
        events = []
        for block in content if isinstance(content, list) else []:
            kind = block.get("type") if isinstance(block, dict) else None
            if kind == "text" and not streamed:
                events += self.text(block.get("text"), line)
            elif kind == "tool_use":
                tool_input = block["input"] if "input" in block else {}
                events.append(("tool", {"id": string_or_none(block, "id"),
                                        "name": string_or_none(block, "name"),
                                        "input": tool_input,
                                        "parent": string_or_none(line, "parent_tool_use_id")}))
        return events

    def flatten(self, content):
        if isinstance(content, str):
            return content
        parts = []
        for block in content if isinstance(content, list) else []:
            kind = block.get("type") if isinstance(block, dict) else None
            if kind == "text":
                text = block.get("text")
                parts.append(text if isinstance(text, str) else "")
            elif kind == "image":
                parts.append("[image]")
        return "\n".join(parts)

    def user(self, line):
        message = line.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        events = []
        for block in content if isinstance(content, list) else []:
            if not isinstance(block, dict) or block.get("type") != "tool_result":
                continue
            data = self.flatten(block.get("content")).encode("utf-8", "surrogatepass")
            data, truncated = cut_utf8(data, TOOL_OUTPUT_MAX)
            events.append(("tool", {"id": string_or_none(block, "tool_use_id"),
                                    "output": data.decode("utf-8", "replace"),
                                    "is_error": block.get("is_error") is True,
                                    "truncated": truncated,
                                    "parent": string_or_none(line, "parent_tool_use_id")}))
        return events

    def result(self, line):
        self.saw_result = True
        session = cli_id(line, "session_id")
        if session:
            self.cli_session = session
        subtype = line.get("subtype")
        is_error = line.get("is_error")
        ok = (not is_error) if isinstance(is_error, bool) else subtype == "success"
        text = line.get("result")
        if not isinstance(text, str):
            errors = line.get("errors")
            errors = errors if isinstance(errors, list) else []
            text = "\n".join(e for e in errors if isinstance(e, str))
        cost = line.get("total_cost_usd")
        if isinstance(cost, bool) or not isinstance(cost, (int, float)):
            cost = 0.0
        turns = as_int(line.get("num_turns"))
        duration = as_int(line.get("duration_ms"))
        return [("result", {"ok": ok, "subtype": subtype if isinstance(subtype, str) else "",
                            "text": text, "turns": turns or 0, "duration_ms": duration or 0,
                            "cost_usd": cost})]


def main():
    args = sys.argv[1:]
    resumed = False
    if args and args[0] == "--resumed":
        resumed = True
        args = args[1:]
    src = open(args[0], "rb") if args else sys.stdin.buffer
    data = src.read()
    translator = Translator(resumed)
    out = sys.stdout
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for raw in lines:
        for name, payload in translator.line(raw):
            out.write(name + " " + json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
