# With neither auth method configured every request is refused.
PROG=session
setup() { echo "state_dir = $STATE" > "$STATE/../only-state.conf"; }
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN" BREAKGLASS_CONF="$STATE/../only-state.conf")
