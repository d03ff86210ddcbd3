# lighttpd joins repeated headers with a comma: never a login.
PROG=session
ENV=(HTTP_X_AUTHENTIK_USERNAME='alice, mallory' HTTP_AUTHORIZATION="Bearer $TOKEN")
config() { echo 'trusted_proxies = 127.0.0.0/8'; }
