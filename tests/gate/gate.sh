# tests/gate/gate.sh: sourced by the gate tests; sets up the stand-in qm and
# runs host/pve-gate the way sshd would. Needs tests/lib.sh and $T.

GATE=${GATE:-$BG_BUILD/host/pve-gate}
QM_TOOL="$BG_ROOT/tests/tools/qm"

# qm_standin [STATE]: make $T/qm (the stand-in's folder) and the wrappers
# $T/bin/qm, $T/bin/pvenode and $T/bin/journalctl, which pass QM_DIR through
# the gate's clean environment. The VM starts in STATE (default stopped).
qm_standin() {
	local name
	mkdir -p "$T/qm" "$T/bin" "$T/lock"
	rm -f "$T/qm/mode" "$T/qm/hang" "$T/qm/hang.pid" "$T/qm/delay" "$T/qm/daemon"
	printf '%s\n' "${1:-stopped}" > "$T/qm/state"
	: > "$T/qm/calls"
	for name in qm pvenode journalctl; do
		printf '#!/bin/sh\nQM_DIR=%s QM_NAME=%s exec %s "$@"\n' \
			"$T/qm" "$name" "$QM_TOOL" > "$T/bin/$name"
		chmod +x "$T/bin/$name"
	done
}

# gate_argv: the forced command's arguments for the stand-in.
gate_argv() {
	printf '%s\n' --vmid 102 --qm "$T/bin/qm" --pvenode "$T/bin/pvenode" \
		--journalctl "$T/bin/journalctl" --lock-dir "$T/lock"
}

# gate_run COMMAND [EXTRA_ARGS...]: run the gate with SSH_ORIGINAL_COMMAND
# set to COMMAND in a clean environment; sets GATE_OUT, GATE_ERR, GATE_RC
# and GATE_LAST (the last line of stdout).
gate_run() {
	local cmd=$1
	shift
	local args
	mapfile -t args < <(gate_argv)
	GATE_OUT=$(env -i PATH=/usr/bin:/bin SSH_ORIGINAL_COMMAND="$cmd" \
		SSH_CONNECTION="127.0.0.1 40000 127.0.0.1 22" \
		"$GATE" "${args[@]}" "$@" 2>"$T/gate.err"; echo "rc=$?")
	GATE_RC=${GATE_OUT##*rc=}
	GATE_OUT=${GATE_OUT%rc=*}
	GATE_OUT=${GATE_OUT%$'\n'}
	GATE_ERR=$(cat "$T/gate.err")
	GATE_LAST=$(printf '%s\n' "$GATE_OUT" | tail -n 1)
}

# expect_within NAME MS LIMIT_MS: a case that passes when MS <= LIMIT_MS.
expect_within() {
	if [ "$2" -le "$3" ]; then ok "$1"; else notok "$1" "took $2 ms, limit $3 ms"; fi
}

# qm_calls: what the stand-in was asked, one call a line.
qm_calls() { cat "$T/qm/calls"; }

# gate_pid: the pid of a running gate whose --qm is this test's stand-in,
# read from /proc so the tests need no procps.
gate_pid() {
	local f
	for f in /proc/[0-9]*/cmdline; do
		if { tr '\0' ' ' < "$f"; } 2>/dev/null | grep -qF -- "$GATE --vmid 102 --qm $T/bin/qm "; then
			f=${f#/proc/}
			echo "${f%/cmdline}"
			return 0
		fi
	done
	return 1
}
