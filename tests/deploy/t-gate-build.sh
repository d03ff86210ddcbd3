#!/usr/bin/env bash
# tests/deploy/t-gate-build.sh: the README's command that builds the gate on
# the Proxmox host. It must build from the sources it names, include no
# header outside the C library, and link nothing but the C library, so that
# build-essential alone is enough.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
scratch
cd "$BG_ROOT" || exit 1

CMD=$(grep -E '^cc .*host/pve-gate\.c' README.md | head -n 1)
expect_match "README has the gate's cc line" ' -o pve-gate ' "$CMD"
read -ra words <<< "$CMD"
args=()
for w in "${words[@]:1}"; do
	if [ "$w" = pve-gate ]; then args+=("$T/pve-gate"); else args+=("$w"); fi
done

if cc "${args[@]}" > "$T/cc.log" 2>&1; then
	ok "README's cc line builds the gate"
else
	notok "README's cc line builds the gate" "$(head -n 5 "$T/cc.log")"
	finish
	exit 1
fi

# Every header the sources include, minus the project's own.
sources=()
for w in "${args[@]}"; do case "$w" in *.c) sources+=("$w") ;; esac; done
cc -std=c11 -D_GNU_SOURCE -Ilib -M "${sources[@]}" | sed -e 's/\\$//' | tr ' ' '\n' | grep '^/' | sort -u > "$T/headers"
# Each header must come from a package that build-essential pulls in.
packages=$(xargs dpkg -S < "$T/headers" 2>&1 | sed 's/:.*//' | sort -u)
foreign=$(printf '%s\n' "$packages" | grep -vE '^(libc6-dev|linux-libc-dev|libgcc-[0-9]+-dev)$' || true)
expect_eq "gate includes only C library headers" "" "$foreign"

libs=$(ldd "$T/pve-gate" | awk '{ print $1 }' | grep -vE '^(linux-vdso\.so|/lib64/ld-linux|libc\.so)' || true)
expect_eq "gate links only the C library" "" "$libs"

out=$(env -i SSH_ORIGINAL_COMMAND='qm list' "$T/pve-gate" --vmid 102 2> /dev/null)
rc=$?
expect_eq "built gate rejects a non-verb" 77 "$rc"
expect_match "built gate prints its last line" '^breakglass-gate: verb=- exit=77 ' "$out"
finish
