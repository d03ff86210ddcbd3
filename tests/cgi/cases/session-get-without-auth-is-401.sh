# No credentials at all: 401 with the Bearer challenge.
PROG=session
