# A wrong token is refused like none.
PROG=session
ENV=(HTTP_AUTHORIZATION='Bearer 0123456789abcdef0123456789abcdef-tesT')
