# A mistyped key stops everything, and the error names it.
PROG=session
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN")
config() { echo 'stat_dir = /tmp'; }
