#!/usr/bin/env bash
# tests/integration/t-install.sh: `make install` lays out a tree that lighttpd
# serves with the same conf/lighttpd.conf the tests use.
. "$(dirname "$0")/../lib.sh"
scratch

root="$T/root"
if make -s -C "$BG_ROOT" install DESTDIR="$root" PREFIX=/usr >"$T/install.log" 2>&1; then
	ok "make install succeeds"
else
	notok "make install succeeds" "$(tail -n 5 "$T/install.log")"
	finish
	exit 1
fi

for prog in session audit chat pve; do
	if [ -x "$root/usr/lib/breakglass/cgi-bin/$prog" ]; then
		ok "make install puts cgi-bin/$prog in place"
	else
		notok "make install puts cgi-bin/$prog in place" "missing"
	fi
done
for f in share/breakglass/htdocs/index.html share/breakglass/conf/lighttpd.conf; do
	if [ -f "$root/usr/$f" ]; then ok "make install puts $f in place"; else notok "make install puts $f in place" "missing"; fi
done

# Serve the installed tree: the page and an authenticated route.
printf '%s\n' 0123456789abcdef0123456789abcdef-install > "$T/token"
write_conf "$T/bg.conf" "$T/state" "bearer_token_file = $T/token"
BG_ROOT_SAVED=$BG_ROOT
BG_ROOT="$root/usr/share/breakglass"
lighttpd_start "$T/bg.conf" "$root/usr/lib/breakglass/cgi-bin" || { notok "installed tree serves" "lighttpd did not start"; finish; exit 1; }
BG_ROOT=$BG_ROOT_SAVED
http GET /
expect_eq "the installed page is served" 200 "$HTTP_STATUS"
http GET /session -H "Authorization: Bearer 0123456789abcdef0123456789abcdef-install"
expect_eq "the installed session program answers" 200 "$HTTP_STATUS"
finish
