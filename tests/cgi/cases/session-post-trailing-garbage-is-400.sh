# One object and nothing after it.
PROG=session METHOD=POST BODY='{} {}'
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN" CONTENT_TYPE=application/json)
