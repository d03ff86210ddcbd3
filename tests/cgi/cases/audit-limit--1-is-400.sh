# limit must be a whole number from 1 to 500.
PROG=audit QUERY='limit=-1'
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN")
