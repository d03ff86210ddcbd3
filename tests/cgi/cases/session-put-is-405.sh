# Unknown methods get 405 with Allow.
PROG=session METHOD=PUT
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN")
