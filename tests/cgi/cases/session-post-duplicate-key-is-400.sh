# A member named twice is refused: json-c would silently keep the last one.
PROG=session METHOD=POST BODY='{"a":1,"a":2}'
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN" CONTENT_TYPE=application/json)
