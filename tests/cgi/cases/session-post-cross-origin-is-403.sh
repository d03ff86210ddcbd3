# Another site's page may not post.
PROG=session METHOD=POST BODY='{}'
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN" CONTENT_TYPE=application/json HTTP_ORIGIN=https://evil.example)
