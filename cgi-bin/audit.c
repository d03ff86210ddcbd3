/* audit.c: the /audit route: the newest audit records, newest first. */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "cgi.h"
#include "util.h"

int
main(void)
{
	struct cgi_request req;
	struct json_object *root, *records;
	char value[BG_PARAM_MAX];
	long long limit = BG_AUDIT_LIMIT_DEFAULT;
	int found;

	if (cgi_begin(&req, CGI_GET) != 0)
		return 0;

	if (strcmp(req.path_info, "") != 0 && strcmp(req.path_info, "/") != 0) {
		cgi_error(404, "not_found", "No such route; use GET /audit?limit=N.", NULL);
		goto done;
	}
	found = cgi_query_param(req.query, "limit", value, sizeof(value));
	if (found == 1) {
		const char *errstr;
		limit = util_strtonum(value, 1, BG_AUDIT_LIMIT_MAX, &errstr);
		if (errstr != NULL)
			found = -1;
	}
	if (found == -1) {
		cgi_error(400, "bad_limit", "limit must be one whole number from 1 to 500.", NULL);
		goto done;
	}

	records = audit_read_newest(req.cfg.state_dir, (int)limit);
	if (records == NULL) {
		cgi_error(500, "state_error", "The audit log could not be read; check state_dir's permissions.", NULL);
		goto done;
	}
	root = json_object_new_object();
	json_object_object_add(root, "records", records);
	cgi_respond(200, root);
	json_object_put(root);

done:
	cgi_end(&req);
	return 0;
}
