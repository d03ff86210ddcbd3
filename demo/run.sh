#!/usr/bin/env bash
# demo/run.sh: the whole of breakglass on one machine, on loopback. An OpenSSH
# sshd plays the Proxmox host (the real gate with the stand-in qm) and the VM
# (devvm, with a full disk and a failed service). The agent runs, and lighttpd
# starts through entrypoint.sh. `make demo` builds everything and runs this.
#
# Run as root. Settings from the environment:
#   DEMO_PORT   port of the page on 127.0.0.1 [8080]
#   DEMO_DIR    scratch folder, removed at the end [a new /tmp/breakglass-demo.*];
#               its parent folders must be searchable by every user
#   ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN
#               when set, the real Claude Code CLI talks to the real model;
#               otherwise it talks to a scripted demo model on loopback
#               (demo/model.py, run by the tests' fake Messages API)
#
# Everything runs inside a new PID and mount namespace: Ctrl-C (or SIGTERM to
# this script) ends the namespace's first process, the kernel then kills every
# process left in it, and the scratch folder is removed. The machine's own
# /etc/passwd is not changed: the demo's users exist only in a copy
# bind-mounted inside the namespace.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# --- outside the namespace ----------------------------------------------------

if [ "${BREAKGLASS_DEMO_INNER:-}" != 1 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "demo: run as root: it starts sshd and uses namespaces (sudo make demo)" >&2
		exit 1
	fi
	for tool in unshare nsenter setpriv ssh-keygen lighttpd python3; do
		command -v "$tool" > /dev/null || { echo "demo: $tool is missing; run make deps" >&2; exit 1; }
	done
	[ -x /usr/sbin/sshd ] || { echo "demo: /usr/sbin/sshd is missing; run make deps" >&2; exit 1; }
	port=${DEMO_PORT:-8080}
	if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
		echo "demo: port $port on 127.0.0.1 is in use; stop what listens there or set DEMO_PORT" >&2
		exit 1
	fi

	if [ -n "${DEMO_DIR:-}" ]; then
		dir=$DEMO_DIR
		mkdir -p "$dir"
	else
		dir=$(mktemp -d /tmp/breakglass-demo.XXXXXX)
	fi
	chmod 0755 "$dir"

	BREAKGLASS_DEMO_INNER=1 DEMO_DIR=$dir DEMO_PORT=$port \
		unshare --pid --fork --kill-child --mount --mount-proc --propagation private -- "$0" &
	ns=$!

	# The namespace's first process is the unshare's child; signalled, it
	# exits, and the kernel kills everything else in the namespace.
	# shellcheck disable=SC2317 # called by the trap below
	stop() {
		local init i
		trap '' INT TERM HUP
		init=$(cat "/proc/$ns/task/$ns/children" 2> /dev/null || true)
		if [ -n "$init" ]; then
			kill -TERM "$init" 2> /dev/null || true
			for i in $(seq 30); do
				kill -0 "$ns" 2> /dev/null || break
				sleep 0.1
			done
			kill -KILL "$init" 2> /dev/null || true
		fi
		wait "$ns" 2> /dev/null || true
		rm -rf "$dir"
		echo "demo: stopped; nothing it started is running"
		exit 0
	}
	trap stop INT TERM HUP
	status=0
	wait "$ns" || status=$?
	rm -rf "$dir"
	echo "demo: ended (status $status)"
	exit "$status"
fi

# --- inside the namespace (this process is PID 1 here) --------------------------

T=$DEMO_DIR
port=$DEMO_PORT
log=$T/log
mkdir -p "$log" "$T/etc" "$T/keys" "$T/ssh" "$T/src" "$T/devvm" "$T/pve/qm" "$T/pve/bin" "$T/pve/lock"
chmod 0700 "$T/keys"
trap 'exit 0' INT TERM HUP

die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# wait_for TEST SECONDS: poll a shell test until it holds.
wait_for() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		if eval "$1"; then return 0; fi
		sleep 0.1
	done
	return 1
}
# shellcheck disable=SC2317 # called through wait_for's eval
listening() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The source tree, read-only, at a path every demo user can reach (the clone
# may sit in /root, which only root may enter).
src=$T/src
mount --bind "$root" "$src"
mount -o remount,bind,ro "$src"
for f in build/cgi-bin/session build/cgi-bin/chat build/cgi-bin/pve build/cgi-bin/audit \
	build/host/pve-gate htdocs/vendor/markdown-it.esm.min.mjs tests/node_modules/.bin/claude; do
	[ -e "$src/$f" ] || die "$f is missing; run make deps, make and make vendor (make demo does all three)"
done

# Two users that exist only in this namespace: the one lighttpd, the CGIs and
# the CLI run as, and the owner of devvm's files (root inside devvm).
free_uid() {
	local u=$1
	while getent passwd "$u" > /dev/null || getent group "$u" > /dev/null; do u=$((u + 1)); done
	echo "$u"
}
bg_uid=$(free_uid 64221)
vm_uid=$(free_uid $((bg_uid + 1)))
cp /etc/passwd "$T/etc/passwd"
cp /etc/group "$T/etc/group"
echo "bgdemo:x:$bg_uid:$bg_uid:breakglass demo:$T/home:/usr/sbin/nologin" >> "$T/etc/passwd"
echo "bgdemo:x:$bg_uid:" >> "$T/etc/group"
chmod 0644 "$T/etc/passwd" "$T/etc/group"
mount --bind "$T/etc/passwd" /etc/passwd
mount --bind "$T/etc/group" /etc/group
mkdir -p "$T/home"
chown bgdemo:bgdemo "$T/home"

# Keys, made fresh for this run: the operator key breakglass holds, and the
# host key the demo sshd presents for both the Proxmox host and devvm.
ssh-keygen -q -t ed25519 -N '' -C breakglass-demo -f "$T/keys/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -C demo-host -f "$T/keys/host_ed25519"
pubkey=$(cat "$T/keys/id_ed25519.pub")
hostkey=$(cut -d' ' -f1,2 "$T/keys/host_ed25519.pub")
token=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
printf '%s\n' "$token" > "$T/token"
chown root:bgdemo "$T/token"
chmod 0640 "$T/token"

# The simulated Proxmox host: the real gate, run by sshd as the forced
# command, with the stand-in qm keeping the VM's state in $T/pve/qm.
echo running > "$T/pve/qm/state"
: > "$T/pve/qm/calls"
for name in qm pvenode journalctl; do
	printf '#!/bin/sh\nQM_DIR=%s QM_NAME=%s exec %s "$@"\n' \
		"$T/pve/qm" "$name" "$src/tests/tools/qm" > "$T/pve/bin/$name"
	chmod 0755 "$T/pve/bin/$name"
done
gate="$src/build/host/pve-gate --vmid 102 --qm $T/pve/bin/qm --pvenode $T/pve/bin/pvenode --journalctl $T/pve/bin/journalctl --lock-dir $T/pve/lock"
echo "restrict,command=\"$gate\" $pubkey" > "$T/ssh/pve_authorized_keys"

# The simulated VM: its namespaces are built and held by boot.sh; each login
# enters them through session.sh.
echo "$vm_uid" > "$T/devvm/uid"
echo "$T/pve/qm/state" > "$T/devvm/qm-state-path"
setsid unshare --mount --uts --pid --fork --mount-proc --propagation private -- \
	"$src/demo/devvm/boot.sh" "$T/devvm" "$vm_uid" > "$log/devvm.log" 2>&1 &
vm_ns=$!
# shellcheck disable=SC2016 # wait_for evaluates it
wait_for '[ -f "$T/devvm/ready" ]' 20 || die "devvm did not start; see $log/devvm.log"
tr -d ' \n' < "/proc/$vm_ns/task/$vm_ns/children" > "$T/devvm/holder.pid"
echo "no-port-forwarding,no-agent-forwarding,no-X11-forwarding,command=\"$src/demo/devvm/session.sh $T/devvm\" $pubkey" \
	> "$T/ssh/devvm_authorized_keys"

pve_port=$(free_port)
vm_port=$(free_port)
cat > "$T/ssh/sshd_config" <<EOF
# The demo's sshd: port $pve_port plays the Proxmox host, port $vm_port devvm.
ListenAddress 127.0.0.1
Port $pve_port
Port $vm_port
HostKey $T/keys/host_ed25519
PidFile $T/sshd.pid
AllowUsers root
PermitRootLogin forced-commands-only
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding no
AllowAgentForwarding no
X11Forwarding no
PermitTunnel no
LogLevel VERBOSE
AuthorizedKeysFile $T/ssh/devvm_authorized_keys
Match LocalPort $pve_port
	AuthorizedKeysFile $T/ssh/pve_authorized_keys
EOF
mkdir -p /run/sshd
setsid /usr/sbin/sshd -D -f "$T/ssh/sshd_config" -E "$log/sshd.log" &
wait_for "listening $pve_port && listening $vm_port" 10 || die "sshd did not start; see $log/sshd.log"

# The agent: the real model with the operator's credentials, else the
# scripted demo model. Either way the real Claude Code CLI runs the turn.
agent_env=ANTHROPIC_API_KEY,CLAUDE_CODE_OAUTH_TOKEN,ANTHROPIC_BASE_URL,DISABLE_AUTOUPDATER,CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC,CLAUDE_CODE_MAX_RETRIES
export DISABLE_AUTOUPDATER=1
if [ -n "${ANTHROPIC_API_KEY:-}" ] || [ -n "${CLAUDE_CODE_OAUTH_TOKEN:-}" ]; then
	agent="the Claude Code CLI with your credentials (a real model: it really acts on devvm)"
else
	model_port=$(free_port)
	setsid python3 "$src/demo/model.py" --port "$model_port" --log "$log/demo-model-requests.jsonl" \
		> "$log/demo-model.log" 2>&1 &
	wait_for "listening $model_port" 10 || die "the demo model did not start; see $log/demo-model.log"
	export ANTHROPIC_BASE_URL=http://127.0.0.1:$model_port
	export ANTHROPIC_API_KEY=breakglass-demo-not-a-real-key
	export CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 CLAUDE_CODE_MAX_RETRIES=1
	agent="the Claude Code CLI talking to a scripted DEMO MODEL on 127.0.0.1:$model_port (no AI: it replays one diagnosis)"
fi

# breakglass itself, started the way the container starts it.
BREAKGLASS_PVE_HOST=127.0.0.1 BREAKGLASS_PVE_PORT=$pve_port \
BREAKGLASS_VM_HOST=127.0.0.1 BREAKGLASS_VM_PORT=$vm_port \
BREAKGLASS_KNOWN_HOSTS="[127.0.0.1]:$pve_port $hostkey
[127.0.0.1]:$vm_port $hostkey" \
BREAKGLASS_SSH_KEY_FILE=$T/keys/id_ed25519 BREAKGLASS_TOKEN_FILE=$T/token \
BREAKGLASS_BIND=127.0.0.1 BREAKGLASS_PORT=$port BREAKGLASS_USER=bgdemo \
BREAKGLASS_STATE_DIR=$T/state BREAKGLASS_RUN_DIR=$T/run \
BREAKGLASS_HTDOCS=$src/htdocs BREAKGLASS_CGI_DIR=$src/build/cgi-bin \
BREAKGLASS_LIGHTTPD_CONF=$src/conf/lighttpd.conf \
BREAKGLASS_AGENT_FILE=$src/conf/agent/breakglass.md \
BREAKGLASS_CLAUDE_BIN=$src/tests/node_modules/.bin/claude \
BREAKGLASS_AGENT_ENV=$agent_env BREAKGLASS_TURN_TIMEOUT=600 \
	setsid "$src/entrypoint.sh" > "$log/lighttpd.log" 2>&1 &
web=$!
wait_for "listening $port || ! kill -0 $web 2> /dev/null" 20
if ! listening "$port"; then
	cat "$log/lighttpd.log" >&2
	die "lighttpd did not start"
fi

cat <<EOF

  breakglass demo is running.

  page    http://127.0.0.1:$port/
  token   $token

  agent   $agent
  Proxmox simulated: sshd on 127.0.0.1:$pve_port runs the real forced-command
          gate, which drives a stand-in qm (a script keeping the VM's power
          state in a file); the power controls change only that file.
  devvm   simulated: sshd on 127.0.0.1:$vm_port logs into namespaces on this
          machine (host name devvm, own mounts, root mapped to an unprivileged
          uid). Its /var/log is a real 24 MiB tmpfs, full; devapp.service is a
          scripted systemctl that fails until /var/log has room.
  logs    $log

  Ask the agent: "devapp is down on my VM, can you fix it?"
  Ctrl-C stops everything the demo started.

EOF

# Wait for lighttpd; the trap above ends this process on Ctrl-C, and the
# kernel then ends the rest of the namespace.
while kill -0 "$web" 2> /dev/null; do
	wait "$web" || true
done
die "lighttpd exited; see $log/lighttpd.log"
