# Strings must be valid UTF-8.
PROG=session METHOD=POST BODY=$'{"x":"\xff"}'
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN" CONTENT_TYPE=application/json)
