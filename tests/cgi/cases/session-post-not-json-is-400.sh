# A body that is not JSON.
PROG=session METHOD=POST BODY='{not json'
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN" CONTENT_TYPE=application/json)
