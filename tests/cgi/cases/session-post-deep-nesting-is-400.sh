# Nesting is bounded.
PROG=session METHOD=POST
BODY=$(printf '{"a":%.0s' {1..40})
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN" CONTENT_TYPE=application/json)
