# The proxy's identity header logs in from a trusted address.
PROG=session METHOD=POST BODY='{}'
ENV=(CONTENT_TYPE=application/json HTTP_X_AUTHENTIK_USERNAME=alice)
config() { echo 'trusted_proxies = 127.0.0.0/8'; }
