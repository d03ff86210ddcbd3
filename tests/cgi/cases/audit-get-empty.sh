# A fresh state has no audit records.
PROG=audit
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN")
