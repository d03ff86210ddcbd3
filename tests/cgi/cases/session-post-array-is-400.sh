# A JSON array is not an object.
PROG=session METHOD=POST BODY='[]'
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN" CONTENT_TYPE=application/json)
