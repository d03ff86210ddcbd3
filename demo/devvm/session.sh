#!/bin/bash
# demo/devvm/session.sh DIR: the forced command of the demo sshd's devvm
# port. It runs the client's command (SSH_ORIGINAL_COMMAND), or a login shell,
# inside the namespaces demo/devvm/boot.sh holds open, as the unprivileged
# uid in DIR/uid mapped to root in a fresh user namespace.
#
# While the simulated Proxmox host reports the VM stopped (the stand-in qm's
# state file, DIR/qm-state), a login fails as SSH to a powered-off VM would.
set -u
dir=$1
state=$(cat "$(cat "$dir/qm-state-path")" 2> /dev/null || echo stopped)
if [ "$state" != running ]; then
	echo "ssh: connect to host devvm port 22: No route to host (breakglass demo: the simulated VM is $state; start it with the power controls)" >&2
	exit 255
fi

holder=$(cat "$dir/holder.pid")
uid=$(cat "$dir/uid")
env=(env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash LANG=C.UTF-8
	"TERM=${TERM:-dumb}" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
if [ -n "${SSH_ORIGINAL_COMMAND:-}" ]; then
	shell=(bash -c "$SSH_ORIGINAL_COMMAND")
else
	shell=(bash -l)
fi
cd / || exit 255
exec nsenter --target "$holder" --mount --uts --pid -- \
	setpriv --reuid="$uid" --regid="$uid" --clear-groups -- \
	unshare --user --map-root-user -- "${env[@]}" sh -c 'cd /root && exec "$@"' sh "${shell[@]}"
