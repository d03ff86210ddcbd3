/* fuzz_agent.c: libFuzzer target for the agent file parser and the --agents JSON and tool list built from it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent.h"
#include "bounds.h"

/* Tools the agent may list; any other must have been rejected. */
static const char *const allowed[] = { "Bash", "Read", "Grep", "Glob" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent agent;
	struct json_object *parsed, *one;
	char errkey[64], list[BG_AGENT_TOOLS_MAX * (BG_AGENT_NAME_MAX + 1)];
	char *json;
	size_t i, k;

	memset(&agent, 0, sizeof(agent));
	memset(errkey, 'X', sizeof(errkey));
	if (agent_parse(&agent, (const char *)data, size, errkey, sizeof(errkey)) != 0) {
		if (memchr(errkey, '\0', sizeof(errkey)) == NULL)
			abort();
		agent_free(&agent);
		return 0;
	}

	/* Only allow-listed tools, and within their bounds. */
	if (agent.ntools > BG_AGENT_TOOLS_MAX || agent.name[0] == '\0' || agent.prompt == NULL)
		abort();
	for (i = 0; i < agent.ntools; i++) {
		for (k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
			if (strcmp(agent.tools[i], allowed[k]) == 0)
				break;
		if (k == sizeof(allowed) / sizeof(allowed[0])) {
			fprintf(stderr, "fuzz_agent: tool \"%.64s\" passed\n", agent.tools[i]);
			abort();
		}
	}

	/* --agents is one JSON object keyed by the agent's name. */
	json = agent_json(&agent);
	if (json != NULL) {
		parsed = json_tokener_parse(json);
		if (parsed == NULL || !json_object_is_type(parsed, json_type_object) ||
		    !json_object_object_get_ex(parsed, agent.name, &one) ||
		    !json_object_is_type(one, json_type_object)) {
			fprintf(stderr, "fuzz_agent: --agents is not the agent's object: %.200s\n", json);
			abort();
		}
		json_object_put(parsed);
		free(json);
	}
	if (agent_tools_list(&agent, list, sizeof(list)) == 0 &&
	    strspn(list, "BashReadGrepGlob,") != strlen(list))
		abort();
	agent_free(&agent);
	return 0;
}
