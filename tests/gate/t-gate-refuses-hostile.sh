#!/usr/bin/env bash
# t-gate-refuses-hostile.sh: the gate refuses every command that is not
# exactly one verb, and bad arguments of its own, without running qm.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/gate.sh"
scratch
qm_standin running

hostile=(
	"" " " "status;reboot" $'status\n' $'status\r' "status " " status" $'\tstatus'
	"STATUS" "Status" "reset 103" "reset --skiplock" "stop --overrule-shutdown 1"
	'$(reboot)' '`reboot`' "status && reboot" "status|reboot" "status>/tmp/x"
	"stat" "statuss" "qm status 102" "/usr/sbin/qm status" "'status'" '"status"'
	$'\xd1\x95tatus' $'st\xd0\xb0tus' $'status\xe2\x80\x8b' $'\xef\xbb\xbfstatus'
	"-" "--help" "reboot" "destroy" "cycle 102" $'forensics\n--vmid 1'
	"$(printf 'a%.0s' $(seq 4096))"
)

i=0
for cmd in "${hostile[@]}"; do
	i=$((i + 1))
	gate_run "$cmd"
	expect_eq "gate refuses hostile command $i: exit 77" 77 "$GATE_RC"
	expect_eq "gate refuses hostile command $i: result line" \
		"breakglass-gate: verb=- exit=77 state=unknown" "$GATE_LAST"
done
expect_eq "qm never ran for a hostile command" "" "$(qm_calls)"

# No SSH_ORIGINAL_COMMAND at all: the client asked for a shell.
args=()
mapfile -t args < <(gate_argv)
out=$(env -i PATH=/usr/bin:/bin "$GATE" "${args[@]}" 2>/dev/null)
rc=$?
expect_eq "gate refuses a shell request: exit 77" 77 "$rc"
expect_eq "gate refuses a shell request: result line" \
	"breakglass-gate: verb=- exit=77 state=unknown" "$out"

# Its own argv is fixed in authorized_keys; anything odd there is a usage error.
bad_args=(
	"--vmid 1" "--vmid 102x" "--vmid 0x66" "--vmid -102" "--vmid" "--vmid 102 --vmid 103"
	"--vmid 102 --qm relative/qm" "--vmid 102 --bogus x" "--qm $T/bin/qm"
	"--vmid 102 --timeout-max 0"
)
for a in "${bad_args[@]}"; do
	# shellcheck disable=SC2086
	out=$(env -i PATH=/usr/bin:/bin SSH_ORIGINAL_COMMAND=status "$GATE" $a 2>/dev/null)
	rc=$?
	expect_eq "gate rejects its arguments '$a': exit 64" 64 "$rc"
	expect_eq "gate rejects its arguments '$a': result line" \
		"breakglass-gate: verb=- exit=64 state=unknown" "$(printf '%s\n' "$out" | tail -n 1)"
done
expect_eq "qm never ran for bad gate arguments" "" "$(qm_calls)"

gate_run "reset 103"
expect_match "gate refusal message names the allowed verbs" \
	"not an allowed verb; send one of status, forensics, start, stop, reset, cycle" "$GATE_ERR"
if printf '%s' "$GATE_ERR" | grep -q 103; then
	notok "gate refusal does not echo the command" "stderr: $GATE_ERR"
else
	ok "gate refusal does not echo the command"
fi
finish
