# limit must be a whole number from 1 to 500.
PROG=audit QUERY='limit=1&limit=2'
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN")
