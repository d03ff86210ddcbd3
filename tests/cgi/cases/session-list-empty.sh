# An empty store lists no sessions.
PROG=session
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN")
