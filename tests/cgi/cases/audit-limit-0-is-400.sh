# limit must be a whole number from 1 to 500.
PROG=audit QUERY='limit=0'
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN")
