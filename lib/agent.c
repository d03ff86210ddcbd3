/* agent.c: reads the agent definition file and builds the --agents JSON and the tool list from it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent.h"
#include "util.h"

/* The tools an agent may have. No web tools: the agent reaches the VM and
 * the Proxmox host through ssh in Bash, and nothing else. */
static const char *const allowed_tools[] = { "Bash", "Read", "Grep", "Glob" };

static void
set_err(char *errkey, size_t errkeysz, const char *key)
{
	if (errkey != NULL && errkeysz > 0)
		util_strlcpy(errkey, key, errkeysz);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trim [*start, *end) of blanks on both sides. */
static void
trim(const char **start, const char **end)
{
	while (*start < *end && is_space(**start))
		(*start)++;
	while (*end > *start && is_space((*end)[-1]))
		(*end)--;
}

static int
name_ok(const char *s, size_t len, const char *extra)
{
	size_t i;

	if (len == 0 || len > BG_AGENT_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
			continue;
		if (strchr(extra, c) != NULL && c != '\0')
			continue;
		return 0;
	}
	return 1;
}

static int
text_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
copy_value(char *dst, size_t dstsz, const char *s, size_t len)
{
	if (len >= dstsz)
		return -1;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

static int
add_tool(struct agent *agent, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(allowed_tools) / sizeof(allowed_tools[0]); i++) {
		if (strlen(allowed_tools[i]) != len || memcmp(allowed_tools[i], s, len) != 0)
			continue;
		for (size_t j = 0; j < agent->ntools; j++)
			if (strcmp(agent->tools[j], allowed_tools[i]) == 0)
				return -1;
		if (agent->ntools >= BG_AGENT_TOOLS_MAX)
			return -1;
		util_strlcpy(agent->tools[agent->ntools++], allowed_tools[i], sizeof(agent->tools[0]));
		return 0;
	}
	return -1;
}

/* "Bash, Read,Grep Glob": names split on commas and blanks. */
static int
parse_tools(struct agent *agent, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t start;

		while (i < len && (s[i] == ',' || is_space(s[i])))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && s[i] != ',' && !is_space(s[i]))
			i++;
		if (add_tool(agent, s + start, i - start) == -1)
			return -1;
	}
	return agent->ntools > 0 ? 0 : -1;
}

static int
set_field(struct agent *agent, const char *key, size_t keylen,
    const char *val, size_t vallen, unsigned *seen)
{
	static const char *const keys[] = { "name", "description", "tools", "model" };
	size_t k;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (strlen(keys[k]) == keylen && memcmp(keys[k], key, keylen) == 0)
			break;
	if (k == sizeof(keys) / sizeof(keys[0]) || (*seen & (1u << k)))
		return -1;
	*seen |= 1u << k;

	/* A value may be quoted as YAML allows; the quotes are not part of it. */
	if (vallen >= 2 && (val[0] == '"' || val[0] == '\'') && val[vallen - 1] == val[0]) {
		val++;
		vallen -= 2;
	}
	if (!text_ok(val, vallen))
		return -1;

	switch (k) {
	case 0:
		return name_ok(val, vallen, "") ? copy_value(agent->name, sizeof(agent->name), val, vallen) : -1;
	case 1:
		return vallen > 0 ? copy_value(agent->description, sizeof(agent->description), val, vallen) : -1;
	case 2:
		return parse_tools(agent, val, vallen);
	default:
		return name_ok(val, vallen, "ABCDEFGHIJKLMNOPQRSTUVWXYZ._") ?
		    copy_value(agent->model, sizeof(agent->model), val, vallen) : -1;
	}
}

int
agent_parse(struct agent *agent, const char *text, size_t len,
    char *errkey, size_t errkeysz)
{
	const char *p = text, *end = text + len, *prompt, *pend;
	unsigned seen = 0;
	int closed = 0;

	memset(agent, 0, sizeof(*agent));
	if (memchr(text, '\0', len) != NULL) {
		set_err(errkey, errkeysz, "file");
		return -1;
	}

	/* The front matter opens on the first line and closes at the next "---". */
	if (len < 4 || memcmp(p, "---", 3) != 0 || (p[3] != '\n' && p[3] != '\r')) {
		set_err(errkey, errkeysz, "front matter");
		return -1;
	}
	p = memchr(p, '\n', (size_t)(end - p));
	p = (p == NULL) ? end : p + 1;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *line = p, *lend = eol != NULL ? eol : end;
		const char *colon, *key, *kend, *val, *vend;

		p = eol != NULL ? eol + 1 : end;
		key = line;
		kend = lend;
		trim(&key, &kend);
		if (kend - key == 3 && memcmp(key, "---", 3) == 0) {
			closed = 1;
			break;
		}
		if (key == kend || *key == '#')
			continue;

		colon = memchr(line, ':', (size_t)(lend - line));
		if (colon == NULL) {
			set_err(errkey, errkeysz, "front matter");
			return -1;
		}
		kend = colon;
		key = line;
		trim(&key, &kend);
		val = colon + 1;
		vend = lend;
		trim(&val, &vend);
		if (set_field(agent, key, (size_t)(kend - key), val, (size_t)(vend - val), &seen) == -1) {
			char name[BG_AGENT_NAME_MAX + 1];

			if (copy_value(name, sizeof(name), key, (size_t)(kend - key)) == -1 ||
			    !name_ok(key, (size_t)(kend - key), ""))
				util_strlcpy(name, "front matter", sizeof(name));
			set_err(errkey, errkeysz, name);
			agent_free(agent);
			return -1;
		}
	}
	if (!closed) {
		set_err(errkey, errkeysz, "front matter");
		return -1;
	}
	if (agent->name[0] == '\0' || agent->description[0] == '\0' || agent->ntools == 0) {
		set_err(errkey, errkeysz, agent->name[0] == '\0' ? "name" :
		    agent->description[0] == '\0' ? "description" : "tools");
		return -1;
	}

	prompt = p;
	pend = end;
	trim(&prompt, &pend);
	if (prompt == pend) {
		set_err(errkey, errkeysz, "prompt");
		return -1;
	}
	agent->prompt = strndup(prompt, (size_t)(pend - prompt));
	if (agent->prompt == NULL) {
		set_err(errkey, errkeysz, "file");
		return -1;
	}
	return 0;
}

int
agent_load(struct agent *agent, const char *path, char *errkey, size_t errkeysz)
{
	char *text;
	size_t len;
	int rc;

	memset(agent, 0, sizeof(*agent));
	text = util_read_file(path, BG_AGENT_FILE_MAX, &len);
	if (text == NULL) {
		fprintf(stderr, "breakglass: agent_load: %s: %s\n", path, strerror(errno));
		set_err(errkey, errkeysz, "file");
		return -1;
	}
	rc = agent_parse(agent, text, len, errkey, errkeysz);
	if (rc == -1)
		fprintf(stderr, "breakglass: agent_load: %s: invalid %s\n", path, errkey);
	free(text);
	return rc;
}

void
agent_free(struct agent *agent)
{
	free(agent->prompt);
	agent->prompt = NULL;
}

char *
agent_json(const struct agent *agent)
{
	struct json_object *root, *def, *tools;
	char *out;
	size_t i;

	root = json_object_new_object();
	def = json_object_new_object();
	tools = json_object_new_array();
	if (root == NULL || def == NULL || tools == NULL) {
		json_object_put(root);
		json_object_put(def);
		json_object_put(tools);
		return NULL;
	}
	for (i = 0; i < agent->ntools; i++)
		json_object_array_add(tools, json_object_new_string(agent->tools[i]));
	json_object_object_add(def, "description", json_object_new_string(agent->description));
	json_object_object_add(def, "prompt", json_object_new_string(agent->prompt != NULL ? agent->prompt : ""));
	json_object_object_add(def, "tools", tools);
	if (agent->model[0] != '\0')
		json_object_object_add(def, "model", json_object_new_string(agent->model));
	json_object_object_add(root, agent->name, def);

	out = strdup(json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return out;
}

int
agent_tools_list(const struct agent *agent, char *out, size_t outsz)
{
	size_t i, used = 0;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	for (i = 0; i < agent->ntools; i++) {
		int n = snprintf(out + used, outsz - used, "%s%s", i > 0 ? "," : "", agent->tools[i]);
		if (n < 0 || (size_t)n >= outsz - used)
			return -1;
		used += (size_t)n;
	}
	return 0;
}
