#!/usr/bin/env python3
"""demo/model.py: the demo model, a scripted diagnosis of the demo's devvm.

Usage: demo/model.py --port N --log FILE (the options of fake-anthropic.py)

It runs tests/tools/fake-anthropic.py, the scripted Messages API on loopback,
with that module's plan(body) replaced by the one below, so the server and
its stream framing stay the tests' own. It is no AI: it picks the next fixed
step from the conversation so far, and every reply states that.

One turn looks around: `ssh devvm` for the host, the disk and failed units,
then the journal and the biggest folders under /var/log, and ends by asking
before it deletes anything. When the operator agrees in the next turn, it
empties the runaway log, restarts devapp and checks the result. When devvm
does not answer, it asks the Proxmox host (`ssh pve status`) and starts a
stopped VM, as the agent definition teaches.

plan(body) returns ("reply", blocks, stop_reason, delay), blocks being
("text", s) or ("tool_use", "Bash", {"command": ..., "description": ...}).
"""
import importlib.util
import os
import re

NOTICE = "(Demo model: a script replaying one diagnosis, not an AI.)"

CHECK = "ssh -o ConnectTimeout=10 devvm 'hostname; uptime; df -h /var/log; systemctl --failed --no-pager'"
LOOK = "ssh devvm 'journalctl -u devapp -n 8 --no-pager; echo; du -ah /var/log | sort -h | tail -n 4'"
FIX = ("ssh devvm 'truncate -s 0 /var/log/devapp/debug.log && systemctl restart devapp; "
       "systemctl is-active devapp; df -h /var/log'")
PVE_STATUS = "ssh pve status"
PVE_START = "ssh pve start"
QUESTION = "Shall I empty the debug log and restart devapp?"
MAX_STEPS = 8
YES = re.compile(r"\b(yes|yep|ok|okay|sure|go|do it|please|fix|proceed)\b", re.I)


def _operator_index(messages):
    """Return the index of the newest user message with text of its own."""
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        if m.get("role") != "user":
            continue
        content = m.get("content")
        if isinstance(content, str) and content.strip():
            return i
        if isinstance(content, list) and any(
                b.get("type") == "text" and b.get("text", "").strip()
                and not b.get("text", "").lstrip().startswith("<system-reminder>")
                for b in content):
            return i
    return -1


def _text(content):
    if isinstance(content, str):
        return content
    out = []
    for b in content or []:
        if b.get("type") == "text":
            out.append(b.get("text", ""))
        elif b.get("type") == "tool_result":
            out.append(_text(b.get("content")))
    return "\n".join(out)


def _operator_text(message):
    """Return the operator's words, without the CLI's system reminders."""
    text = _text(message.get("content"))
    return re.sub(r"<system-reminder>.*?</system-reminder>", "", text, flags=re.S).strip()


def _steps(messages, start):
    """Return [(command, output)] of the Bash calls after messages[start]."""
    calls, outputs = {}, {}
    order = []
    for m in messages[start + 1:]:
        content = m.get("content")
        if not isinstance(content, list):
            continue
        for b in content:
            if b.get("type") == "tool_use":
                calls[b.get("id")] = (b.get("input") or {}).get("command", "")
                order.append(b.get("id"))
            elif b.get("type") == "tool_result":
                out = _text(b.get("content")).split("<system-reminder>")[0].strip()
                outputs[b.get("tool_use_id")] = out
    return [(calls[i], outputs.get(i, "")) for i in order]


def _asked_before(messages, start):
    return any(m.get("role") == "assistant" and QUESTION in _text(m.get("content"))
               for m in messages[:start])


def _bash(text, command, description):
    return ("reply", [("text", text),
                      ("tool_use", "Bash", {"command": command, "description": description})],
            "tool_use", 0)


def _say(text):
    return ("reply", [("text", text)], "end_turn", 0.02)


def _lines_with(output, *needles):
    return [line.strip() for line in output.splitlines() if any(n in line for n in needles)]


def _unreachable(output):
    return "No route to host" in output or "Connection refused" in output or "timed out" in output


def _report_findings(look_output):
    errno = _lines_with(look_output, "Errno 28")[-1:] or ["(no matching journal line)"]
    gave_up = _lines_with(look_output, "repeated too quickly")[-1:]
    sizes = _lines_with(look_output, "/var/log/devapp", "/var/log")[-2:]
    text = [NOTICE, "", "**What I found**", "",
            "- `/var/log` on devvm is full (100% in `df`), and `systemctl --failed` lists `devapp.service`.",
            "- devapp died writing its log: `%s`" % errno[0]]
    if gave_up:
        text.append("- systemd then gave up restarting it: `%s`" % gave_up[0])
    if sizes:
        text += ["- The space is in the devapp logs:", "", "```"] + sizes + ["```"]
    text += ["", "**Proposed fix**: empty `/var/log/devapp/debug.log` (its contents are lost) "
             "and restart devapp. Nothing has been changed yet.", "", QUESTION + " Reply *yes* to go ahead."]
    return "\n".join(text)


def _report_fix(output):
    active = any(line.strip() == "active" for line in output.splitlines())
    df = _lines_with(output, "/var/log")
    if not active:
        return _say("\n".join([NOTICE, "", "The restart did not work; devapp is still not active:",
                               "", "```", output[-1500:], "```", "",
                               "Look at `journalctl -u devapp` on devvm before trying again."]))
    return _say("\n".join([
        NOTICE, "", "**Done.**", "",
        "- Emptied `/var/log/devapp/debug.log` and restarted devapp: `systemctl is-active` says `active`.",
        "- `/var/log` now: `%s`" % (df[-1] if df else "see the output above"), "",
        "**Left for you**: devapp still logs at level debug, so the disk will fill again. "
        "Turn its log level down, or add a logrotate rule for `/var/log/devapp`."]))


def plan(body):
    tools = {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}
    if "Bash" not in tools:
        # A side request of the CLI (a title, a summary): no tools to call.
        return ("reply", [("text", "breakglass demo")], "end_turn", 0)

    messages = body.get("messages") or []
    start = _operator_index(messages)
    operator = _operator_text(messages[start]) if start >= 0 else ""
    steps = _steps(messages, start)

    if len(steps) >= MAX_STEPS:
        return _say(NOTICE + " I have run out of scripted steps; the power controls still work.")

    if not steps:
        if _asked_before(messages, start):
            if YES.search(operator):
                return _bash(NOTICE + " Emptying the runaway log and restarting devapp, then checking.",
                             FIX, "Empty the debug log, restart devapp, check")
            return _say(NOTICE + " All right, I have changed nothing. The power controls are on the right.")
        return _bash(NOTICE + " I will start read-only: is devvm reachable, how full are its disks, "
                     "and which units failed?", CHECK, "Look at devvm: host, disk, failed units")

    command, output = steps[-1]
    if command == CHECK:
        if _unreachable(output):
            return _bash("devvm does not answer over SSH. Before touching power I ask the Proxmox host "
                         "what state the VM is in.", PVE_STATUS, "Ask the Proxmox host for the VM's status")
        if "Filesystem" not in output:
            return _say(NOTICE + " I could not look inside devvm; SSH printed:\n\n```\n"
                        + output[-1500:] + "\n```")
        if "100%" in output and "devapp" in output:
            return _bash("`/var/log` is 100% full and `devapp.service` has failed. Let me see why it "
                         "failed and what fills the disk.", LOOK, "devapp's journal and the biggest folders")
        return _say(NOTICE + " devvm answers, its disk has room and no unit has failed: "
                    "I see nothing wrong.\n\n```\n" + output[-1500:] + "\n```")
    if command == LOOK:
        return _say(_report_findings(output))
    if command == FIX:
        return _report_fix(output)
    if command == PVE_STATUS:
        if "state=stopped" in output or "status: stopped" in output:
            return _bash("The Proxmox host reports the VM **stopped**, which explains the dead SSH. "
                         "Starting it is the least disruptive step.", PVE_START, "Start the VM")
        return _say(NOTICE + " The VM is running but SSH does not answer. A real agent would now run "
                    "`ssh pve forensics`; a hung guest calls for `reset`, which you can press on the right.")
    if command == PVE_START:
        if "state=running" in output:
            return _bash("The VM is running again. Checking it from the inside.", CHECK,
                         "Look at devvm: host, disk, failed units")
        return _say(NOTICE + " The start did not reach the running state:\n\n```\n" + output[-1500:] + "\n```")
    return _say(NOTICE + " I did not expect that step; stopping here.")


def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "tools", "fake-anthropic.py")
    spec = importlib.util.spec_from_file_location("fake_anthropic", path)
    server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(server)
    server.plan = plan
    server.main()


if __name__ == "__main__":
    main()
