# A form post is not JSON.
PROG=session METHOD=POST BODY='{}'
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN" CONTENT_TYPE=application/x-www-form-urlencoded)
