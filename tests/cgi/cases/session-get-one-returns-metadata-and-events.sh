# GET /session/<id> returns metadata and its (empty) events.
PROG=session
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN")
setup() { make_session; PATH_INFO=/$SID; }
