# limit must be a whole number from 1 to 500.
PROG=audit QUERY='limit='
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN")
