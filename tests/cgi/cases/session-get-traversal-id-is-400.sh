# A path as id never reaches the file system.
PROG=session PATH_INFO=/../../etc/passwd
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN")
