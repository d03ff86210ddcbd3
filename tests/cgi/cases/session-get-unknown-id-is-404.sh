# A well-formed id that no session has.
PROG=session PATH_INFO=/00000000-0000-4000-8000-000000000000
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN")
