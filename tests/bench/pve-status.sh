#!/usr/bin/env bash
# tests/bench/pve-status.sh: times the status round trip through cgi-bin/pve
# (libssh2) against OpenSSH's ssh client running the same forced command with
# the same key and sshd, in one run; prints both medians and their ratio.
# Not part of `make check`. Usage: tests/bench/pve-status.sh [ROUNDS]
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../gate/gate.sh"
source "$(dirname "$0")/../ssh/sshd.sh"
rounds=${1:-30}
scratch
qm_standin running
sshd_keys
sshd_authorize
sshd_start || exit 1
sshd_conf

ms_now() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

: > "$T/cgi.ms"
: > "$T/ssh.ms"
# Interleaved, so both see the same machine load.
for ((i = 0; i < rounds; i++)); do
	t0=$(ms_now)
	pve_post "$BG_BUILD/cgi-bin/pve" status
	t1=$(ms_now)
	[ "$CGI_STATUS" = 200 ] || { echo "cgi-bin/pve failed: $CGI_STATUS $CGI_BODY" >&2; exit 1; }
	echo $((t1 - t0)) >> "$T/cgi.ms"

	t0=$(ms_now)
	ssh -q -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none \
		-o UserKnownHostsFile="$T/known_hosts" -o GlobalKnownHostsFile=/dev/null \
		-F /dev/null -i "$T/client/id_ed25519" -p "$SSHD_PORT" "$(id -un)@127.0.0.1" status > "$T/ssh.out"
	t1=$(ms_now)
	tail -n 1 "$T/ssh.out" | grep -q '^breakglass-gate: verb=status exit=0' || { echo "ssh failed" >&2; exit 1; }
	echo $((t1 - t0)) >> "$T/ssh.ms"
done

cgi=$(median < "$T/cgi.ms")
ssh=$(median < "$T/ssh.ms")
echo "status round trip, $rounds rounds, loopback sshd, stand-in qm"
echo "cgi-bin/pve (libssh2): median ${cgi} ms"
echo "OpenSSH ssh:           median ${ssh} ms"
awk -v a="$cgi" -v b="$ssh" 'BEGIN { printf "ratio cgi/ssh:         %.2f\n", a / b }'
