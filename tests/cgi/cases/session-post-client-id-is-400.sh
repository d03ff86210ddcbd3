# The id is minted by the server, never taken from the client.
PROG=session METHOD=POST BODY='{"id":"00000000-0000-4000-8000-000000000000"}'
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN" CONTENT_TYPE=application/json)
