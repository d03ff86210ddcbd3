/* agent.h: the agent definition file (front matter, then the prompt) and the CLI arguments built from it. */
#ifndef BG_AGENT_H
#define BG_AGENT_H

#include <stddef.h>

#include "bounds.h"

/*
 * The file is Claude Code's agent format:
 *   ---
 *   name: breakglass
 *   description: one line
 *   tools: Bash, Read, Grep, Glob
 *   model: sonnet            (optional)
 *   ---
 *   the prompt, to the end of the file
 * Keys other than these four are rejected, and so is a tool that is not in
 * the allow-list (Bash, Read, Grep, Glob): the agent gets no web access.
 */
struct agent {
	char	name[BG_AGENT_NAME_MAX + 1];
	char	description[BG_AGENT_FIELD_MAX + 1];
	char	model[BG_AGENT_NAME_MAX + 1];		/* "" when absent */
	char	tools[BG_AGENT_TOOLS_MAX][BG_AGENT_NAME_MAX + 1];
	size_t	ntools;
	char	*prompt;				/* malloc'ed, free with agent_free */
};

/* Parse an agent file's text. On error return -1 and write the offending
 * key ("name", "tools", ...), "front matter" or "prompt" to errkey. */
int agent_parse(struct agent *agent, const char *text, size_t len,
    char *errkey, size_t errkeysz);

/* Read and parse the file at path; "file" in errkey when it is unreadable. */
int agent_load(struct agent *agent, const char *path, char *errkey, size_t errkeysz);

void agent_free(struct agent *agent);

/* Build the value of --agents, {"<name>":{"description","prompt","tools":[...],"model"}},
 * as a new string (free with free()), or NULL when out of memory. */
char *agent_json(const struct agent *agent);

/* Write the tools as one comma-separated list ("Bash,Read,Grep,Glob") for
 * --tools and --allowedTools; -1 when it does not fit. */
int agent_tools_list(const struct agent *agent, char *out, size_t outsz);

#endif
