# POST mints a fresh id.
PROG=session METHOD=POST BODY='{}'
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN" CONTENT_TYPE=application/json)
