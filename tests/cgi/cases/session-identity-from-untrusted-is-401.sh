# The identity header from an address outside trusted_proxies is ignored.
PROG=session
ENV=(HTTP_X_AUTHENTIK_USERNAME=alice)
config() { echo 'trusted_proxies = 10.0.0.0/8'; }
