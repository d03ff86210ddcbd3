# A token file under 32 bytes fails closed.
PROG=session
setup() { echo short > "$STATE/../token"; }
ENV=(HTTP_AUTHORIZATION='Bearer short')
