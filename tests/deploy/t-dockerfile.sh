#!/usr/bin/env bash
# tests/deploy/t-dockerfile.sh: checks conf/Dockerfile by reading it, because
# no container engine runs here. Every file it copies from the repository
# must exist. Every package it installs must be in conf/packages.txt, or be a
# shared library that one of the list's -dev packages depends on.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
DOCKERFILE=${BG_DOCKERFILE:-$BG_ROOT/conf/Dockerfile}
cd "$BG_ROOT" || exit 1

# Instructions joined across their backslash-continued lines.
instructions() { sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$DOCKERFILE" | grep -vE '^[[:space:]]*#'; }

missing=""
count=0
while read -r -a words; do
	[ "${words[0]}" = COPY ] || continue
	case "${words[1]}" in --from=*) continue ;; esac
	n=${#words[@]}
	for ((i = 1; i < n - 1; i++)); do
		count=$((count + 1))
		[ -e "${words[i]}" ] || missing="$missing ${words[i]}"
	done
done < <(instructions)
if [ "$count" -gt 0 ] && [ -z "$missing" ]; then
	ok "every file the Dockerfile copies exists"
else
	notok "every file the Dockerfile copies exists" "missing:${missing:- (no COPY found)}"
fi

listed=$(grep -vE '^[[:space:]]*(#|$)' conf/packages.txt)
# The runtime libraries of the list's -dev packages, from their Depends.
libs=""
for dev in $(printf '%s\n' "$listed" | grep -- '-dev$'); do
	libs="$libs "$(dpkg-query -W -f='${Depends}' "$dev" 2>/dev/null | tr ',' '\n' | sed 's/[ (].*//; s/^ *//' | grep -E '^lib' | tr '\n' ' ' || true)
done
installed=$(instructions | grep -o 'apt-get install .*' | sed 's/&&.*//' | tr '[:blank:]' '\n' |
	grep -vE '^(apt-get|install|-.*|)$')
stray=""
for pkg in $installed; do
	if printf '%s\n' "$listed" | grep -qx -- "$pkg"; then continue; fi
	case " $libs " in *" $pkg "*) continue ;; esac
	stray="$stray $pkg"
done
if [ -n "$installed" ] && [ -z "$stray" ]; then
	ok "Dockerfile installs only listed packages"
else
	notok "Dockerfile installs only listed packages" "not in conf/packages.txt:${stray:- (no apt-get install found)}"
fi
expect_match "Dockerfile runs entrypoint.sh" '^ENTRYPOINT \["/usr/local/bin/breakglass-entrypoint"\]$' "$(instructions | grep '^ENTRYPOINT')"
# The entrypoint starts as root to read the root-only key; lighttpd drops.
expect_eq "Dockerfile starts the entrypoint as root" "" "$(instructions | grep -E '^USER' | grep -vE '^USER (root|0)(:.*)?$')"
expect_match "image has the runtime user" 'useradd --system --uid 10001' "$(instructions)"

# The Kubernetes example mounts what the entrypoint reads by default.
DEPLOY=$(cat conf/k8s/deployment.yaml)
expect_match "k8s mounts the key where the entrypoint looks" 'mountPath: /run/secrets/breakglass$' "$DEPLOY"
expect_match "k8s mounts the Secrets read-only" 'readOnly: true' "$DEPLOY"
expect_match "k8s probes a cheap route" 'path: /favicon.svg' "$DEPLOY"
if [ -f htdocs/favicon.svg ]; then ok "probed route exists"; else notok "probed route exists" "htdocs/favicon.svg is missing"; fi
expect_match "k8s sets resources" 'limits:' "$DEPLOY"
expect_match "k8s mounts the key root-only" 'secretName: breakglass-ssh
 *defaultMode: 0400$' "$DEPLOY"
if grep -qE '^[^#]*fsGroup' conf/k8s/deployment.yaml; then
	notok "k8s sets no fsGroup" "an fsGroup makes the key readable by that group"
else
	ok "k8s sets no fsGroup"
fi
expect_match "k8s forbids privilege escalation" 'allowPrivilegeEscalation: false' "$DEPLOY"
expect_match "k8s drops every capability first" 'drop: \["ALL"\]' "$DEPLOY"
expect_match "k8s keeps the state on a claim" 'claimName: breakglass-state' "$DEPLOY"
expect_match "k8s defines the state claim" 'name: breakglass-state' "$(cat conf/k8s/pvc.yaml)"
CONFIGMAP=$(cat conf/k8s/configmap.yaml)
expect_match "k8s sets the page's origin" 'BREAKGLASS_ALLOWED_ORIGIN: https://breakglass.example.org$' "$CONFIGMAP"
if printf '%s\n' "$CONFIGMAP" | grep -qE '^ *BREAKGLASS_TRUSTED_PROXIES: .*/(8|12|16)( |,|$)'; then
	notok "k8s trusts a narrow proxy range" "$(printf '%s\n' "$CONFIGMAP" | grep TRUSTED_PROXIES)"
else
	ok "k8s trusts a narrow proxy range"
fi
SERVICE=$(cat conf/k8s/service.yaml)
expect_match "k8s routes sign-in to the outpost" 'path: /outpost.goauthentik.io$' "$SERVICE"
expect_match "k8s network policy limits egress" 'policyTypes: \[Ingress, Egress\]' "$(cat conf/k8s/networkpolicy.yaml)"
finish
