# An unreadable config file is a config error.
PROG=session
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN" BREAKGLASS_CONF=/nonexistent/breakglass.conf)
