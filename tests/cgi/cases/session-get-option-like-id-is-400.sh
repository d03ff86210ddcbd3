# An option-like id is refused before any use.
PROG=session PATH_INFO=/--help
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN")
