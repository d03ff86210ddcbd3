# /audit has no sub-paths.
PROG=audit PATH_INFO=/x
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN")
