# A declared length over 64 KiB is refused before reading.
PROG=session METHOD=POST BODY='{}'
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN" CONTENT_TYPE=application/json CONTENT_LENGTH=65537)
