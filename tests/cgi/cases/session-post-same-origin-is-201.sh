# The page's own origin may post.
PROG=session METHOD=POST BODY='{}'
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN" CONTENT_TYPE='application/json; charset=utf-8' HTTP_ORIGIN=http://127.0.0.1:8080)
