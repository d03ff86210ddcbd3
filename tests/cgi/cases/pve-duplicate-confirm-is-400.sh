# A second "confirm" cannot smuggle in a confirmation: the body is refused.
PROG=pve METHOD=POST BODY='{"verb":"stop","confirm":"x","confirm":"stop"}'
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN" CONTENT_TYPE=application/json)
config() { echo 'pve_host = 127.0.0.1'; echo 'pve_port = 9'; echo "known_hosts = /dev/null"; }
