# Content-Length must be a plain number.
PROG=session METHOD=POST BODY='{}'
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN" CONTENT_TYPE=application/json CONTENT_LENGTH=-1)
