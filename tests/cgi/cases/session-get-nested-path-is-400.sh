# /session/x/y is no route and no file.
PROG=session PATH_INFO=/x/y
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN")
