# Records come newest first, limited.
PROG=audit QUERY=limit=2
ENV=(HTTP_AUTHORIZATION="Bearer $TOKEN")
setup() { for v in status start reset; do printf '{"id":"00000000-0000-4000-8000-000000000000","verb":"%s"}\n' $v >> "$STATE/audit.jsonl"; done; }
