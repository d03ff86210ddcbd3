#!/usr/bin/env bash
# demo/devvm/boot.sh: builds the demo's simulated VM, "devvm", and then holds
# its namespaces open; demo/devvm/session.sh runs each SSH login inside them.
#
# Run as root, as the first process of new mount, UTS and PID namespaces:
#   unshare --mount --uts --pid --fork --mount-proc --propagation private \
#       demo/devvm/boot.sh DIR UID
# DIR is the demo's devvm folder (boot.sh writes DIR/ready when done) and UID
# the unprivileged uid that owns the simulated files; sessions run as that uid
# mapped to root in a user namespace, so "root on devvm" cannot write the
# real machine's files.
#
# What is simulated, and how:
#   - the host name is devvm (a UTS namespace);
#   - /var/log is a 24 MiB tmpfs filled to the last byte by a runaway debug
#     log, a real full filesystem that df, du and truncate act on;
#   - devapp.service is not a real unit: systemctl and journalctl in
#     /usr/local/sbin are scripts that keep unit states and journal lines in
#     /run/devvm-sim, and devapp starts only once /var/log has room again;
#   - /root, /run and /tmp are private tmpfs mounts.
set -euo pipefail
dir=$1
uid=$2
here=$(cd "$(dirname "$0")" && pwd)

hostname devvm

# tmpfs_at PATH SIZE: a private tmpfs owned by the session uid.
tmpfs_at() {
	mount -t tmpfs -o "size=$2,mode=0755,uid=$uid,gid=$uid" tmpfs "$1"
}

tmpfs_at /run 4m
tmpfs_at /root 4m
tmpfs_at /var/log 24m
mount -t tmpfs -o size=1m,mode=0755 tmpfs /usr/local/sbin
install -m 0755 "$here/systemctl" "$here/journalctl" /usr/local/sbin/

# The simulated systemd: unit states and the journal.
sim=/run/devvm-sim
mkdir -p "$sim/units" "$sim/journal"
for unit in ssh cron systemd-journald; do echo active > "$sim/units/$unit"; done
echo failed > "$sim/units/devapp"
day=$(date -u '+%b %d')
{
	echo "$day 02:58:11 devvm systemd[1]: Started devapp.service - devapp development API."
	echo "$day 02:58:12 devvm devapp[812]: INFO devapp 2.4.1 listening on 127.0.0.1:8000, log level debug"
	echo "$day 03:12:40 devvm devapp[812]: ERROR cannot write /var/log/devapp/debug.log: [Errno 28] No space left on device"
	echo "$day 03:12:40 devvm devapp[812]: Traceback (most recent call last):"
	echo "$day 03:12:40 devvm devapp[812]:   File \"/opt/devapp/devapp/log.py\", line 88, in emit"
	echo "$day 03:12:40 devvm devapp[812]: OSError: [Errno 28] No space left on device"
	echo "$day 03:12:41 devvm systemd[1]: devapp.service: Main process exited, code=exited, status=1/FAILURE"
	echo "$day 03:12:41 devvm systemd[1]: devapp.service: Failed with result 'exit-code'."
	for n in 1 2 3 4 5; do
		echo "$day 03:12:4$((n + 1)) devvm systemd[1]: devapp.service: Scheduled restart job, restart counter is at $n."
		echo "$day 03:12:4$((n + 1)) devvm devapp[$((900 + n))]: OSError: [Errno 28] No space left on device: '/var/log/devapp/app.log'"
	done
	echo "$day 03:12:47 devvm systemd[1]: devapp.service: Start request repeated too quickly."
	echo "$day 03:12:47 devvm systemd[1]: devapp.service: Failed with result 'exit-code'."
	echo "$day 03:12:47 devvm systemd[1]: Failed to start devapp.service - devapp development API."
} > "$sim/journal/devapp"
{
	echo "$day 02:57:58 devvm systemd[1]: Started ssh.service - OpenBSD Secure Shell server."
	echo "$day 02:57:58 devvm systemd[1]: Started cron.service - Regular background program processing daemon."
	echo "$day 03:12:39 devvm systemd-journald[214]: Failed to write entry to /var/log/journal/system.journal, ignoring: No space left on device"
} > "$sim/journal/system"

# The fault: devapp left at log level debug fills /var/log.
mkdir -p /var/log/devapp /var/log/apt
echo "$day 02:58:12 INFO devapp 2.4.1 starting" > /var/log/devapp/app.log
echo "Start-Date: $(date -u +%F) 02:40:02" > /var/log/apt/history.log
for n in $(seq 200); do
	echo "$(date -u +%F)T03:0$((n % 10)):$((10 + n % 50))Z DEBUG devapp.sync: upstream poll id=$((40000 + n)) status=304 etag=W/\"5f1c$n\""
done > /var/log/devapp/debug.log
yes "$(date -u +%F)T03:12:39Z DEBUG devapp.sync: upstream poll status=304 retry=0 backoff_ms=0 payload=<unchanged>" \
	>> /var/log/devapp/debug.log 2> /dev/null || true
chown -R "$uid:$uid" /var/log /run/devvm-sim

touch "$dir/ready"
# /tmp goes last: the ready file above lives in the real /tmp.
tmpfs_at /tmp 8m

# Hold the namespaces open and reap the sessions' orphans until killed.
trap 'exit 0' TERM INT
while :; do
	sleep 3600 &
	wait $! || true
done
