#!/usr/bin/env bash
# tests/deps.sh: installs what conf/packages.txt lists and the pinned npm
# packages of tests/package.json; does nothing when all are present.
set -eu
cd "$(dirname "$0")/.."

missing=()
while read -r pkg; do
	case "$pkg" in ''|'#'*) continue ;; esac
	# A node from elsewhere (NodeSource's nodejs bundles npm) conflicts with
	# Debian's npm package; the command is what the build needs.
	if [ "$pkg" = npm ] && command -v npm > /dev/null; then continue; fi
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$pkg")
	fi
done < conf/packages.txt

if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing Debian packages: ${missing[*]}; run make deps as root" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The lighttpd and ssh packages start system services where an init runs;
# the tests start their own on loopback and want no others in the way.
if [ -f tests/package.json ] && [ ! -d tests/node_modules ]; then
	echo "deps: installing npm packages of tests/package.json"
	(cd tests && npm ci --no-audit --no-fund)
fi
