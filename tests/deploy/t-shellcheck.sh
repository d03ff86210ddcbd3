#!/usr/bin/env bash
# tests/deploy/t-shellcheck.sh: shellcheck, every warning level, on the
# deployment's and the demo's shell scripts and on these tests.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
cd "$BG_ROOT" || exit 1

if ! command -v shellcheck > /dev/null; then
	notok "shellcheck is installed" "run make deps (conf/packages.txt lists it)"
	finish
	exit 1
fi
for f in entrypoint.sh demo/run.sh demo/devvm/boot.sh demo/devvm/session.sh \
	demo/devvm/systemctl demo/devvm/journalctl tests/deploy/t-*.sh; do
	out=$(shellcheck -x -P SCRIPTDIR "$f" 2>&1)
	if [ -z "$out" ]; then ok "shellcheck $f"; else notok "shellcheck $f" "$(printf '%s' "$out" | head -n 12)"; fi
done
finish
