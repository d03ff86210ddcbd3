# A created session is listed, not running, with no title.
PROG=session
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN")
setup() { make_session; }
