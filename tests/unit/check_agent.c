/* check_agent.c: the agent file's front matter and prompt, and the --agents JSON and tool list built from it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "agent.h"

static const char good[] =
    "---\n"
    "name: breakglass\n"
    "description: Repairs the VM.\n"
    "tools: Bash, Read,Grep Glob\n"
    "model: claude-sonnet-4-5\n"
    "---\n"
    "\n"
    "You are breakglass.\n"
    "Look before you act.\n\n";

START_TEST(test_agent_parse_good_file)
{
	struct agent a;
	char key[64] = "";

	ck_assert_int_eq(agent_parse(&a, good, strlen(good), key, sizeof(key)), 0);
	ck_assert_str_eq(a.name, "breakglass");
	ck_assert_str_eq(a.description, "Repairs the VM.");
	ck_assert_str_eq(a.model, "claude-sonnet-4-5");
	ck_assert_uint_eq(a.ntools, 4);
	ck_assert_str_eq(a.tools[0], "Bash");
	ck_assert_str_eq(a.tools[3], "Glob");
	ck_assert_str_eq(a.prompt, "You are breakglass.\nLook before you act.");
	agent_free(&a);
}
END_TEST

START_TEST(test_agent_parse_quoted_values_and_no_model)
{
	const char *t = "---\nname: 'breakglass'\ndescription: \"Says: hi\"\ntools: Bash\n---\nPrompt.\n";
	struct agent a;
	char key[64];

	ck_assert_int_eq(agent_parse(&a, t, strlen(t), key, sizeof(key)), 0);
	ck_assert_str_eq(a.name, "breakglass");
	ck_assert_str_eq(a.description, "Says: hi");
	ck_assert_str_eq(a.model, "");
	agent_free(&a);
}
END_TEST

/* Each bad file and the key its error names. */
static const struct {
	const char *text;
	const char *key;
} bad[] = {
	{ "name: x\n---\nP\n", "front matter" },
	{ "---\nname: breakglass\ndescription: d\ntools: Bash\nP\n", "front matter" },
	{ "---\nname: breakglass\ndescription: d\ntools: Bash\n---\n\n  \n", "prompt" },
	{ "---\ndescription: d\ntools: Bash\n---\nP\n", "name" },
	{ "---\nname: breakglass\ntools: Bash\n---\nP\n", "description" },
	{ "---\nname: breakglass\ndescription: d\n---\nP\n", "tools" },
	{ "---\nname: breakglass\ndescription: d\ntools: Bash, WebFetch\n---\nP\n", "tools" },
	{ "---\nname: breakglass\ndescription: d\ntools: Bash, WebSearch\n---\nP\n", "tools" },
	{ "---\nname: breakglass\ndescription: d\ntools: Bash, Bash\n---\nP\n", "tools" },
	{ "---\nname: breakglass\ndescription: d\ntools: Bash(rm:*)\n---\nP\n", "tools" },
	{ "---\nname: Break Glass\ndescription: d\ntools: Bash\n---\nP\n", "name" },
	{ "---\nname: breakglass\nname: other\ndescription: d\ntools: Bash\n---\nP\n", "name" },
	{ "---\nname: breakglass\ndescription: d\ntools: Bash\ncolor: red\n---\nP\n", "color" },
	{ "---\nname: breakglass\ndescription: d\ntools: Bash\nmodel: a b\n---\nP\n", "model" },
	{ "---\nname: breakglass\ndescription: d\x01\ntools: Bash\n---\nP\n", "description" },
	{ "---\nname breakglass\n---\nP\n", "front matter" },
};

START_TEST(test_agent_parse_bad_files_name_key)
{
	struct agent a;
	char key[64] = "";

	ck_assert_int_eq(agent_parse(&a, bad[_i].text, strlen(bad[_i].text), key, sizeof(key)), -1);
	ck_assert_str_eq(key, bad[_i].key);
	agent_free(&a);
}
END_TEST

START_TEST(test_agent_parse_nul_byte_fails)
{
	static const char t[] = "---\nname: breakglass\0\ndescription: d\ntools: Bash\n---\nP\n";
	struct agent a;
	char key[64];

	ck_assert_int_eq(agent_parse(&a, t, sizeof(t) - 1, key, sizeof(key)), -1);
	ck_assert_str_eq(key, "file");
}
END_TEST

START_TEST(test_agent_json_shape)
{
	struct agent a;
	struct json_object *o, *def, *v;
	char key[64], *json;

	ck_assert_int_eq(agent_parse(&a, good, strlen(good), key, sizeof(key)), 0);
	json = agent_json(&a);
	ck_assert_ptr_nonnull(json);
	o = json_tokener_parse(json);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_object_object_length(o), 1);
	ck_assert(json_object_object_get_ex(o, "breakglass", &def));
	ck_assert(json_object_object_get_ex(def, "description", &v));
	ck_assert_str_eq(json_object_get_string(v), "Repairs the VM.");
	ck_assert(json_object_object_get_ex(def, "prompt", &v));
	ck_assert_str_eq(json_object_get_string(v), "You are breakglass.\nLook before you act.");
	ck_assert(json_object_object_get_ex(def, "tools", &v));
	ck_assert_int_eq((int)json_object_array_length(v), 4);
	ck_assert(json_object_object_get_ex(def, "model", &v));
	ck_assert_str_eq(json_object_get_string(v), "claude-sonnet-4-5");
	json_object_put(o);
	free(json);
	agent_free(&a);
}
END_TEST

START_TEST(test_agent_tools_list_commas)
{
	struct agent a;
	char key[64], list[64], small[8];

	ck_assert_int_eq(agent_parse(&a, good, strlen(good), key, sizeof(key)), 0);
	ck_assert_int_eq(agent_tools_list(&a, list, sizeof(list)), 0);
	ck_assert_str_eq(list, "Bash,Read,Grep,Glob");
	ck_assert_int_eq(agent_tools_list(&a, small, sizeof(small)), -1);
	agent_free(&a);
}
END_TEST

START_TEST(test_agent_load_project_file)
{
	struct agent a;
	char key[64] = "";

	/* The shipped agent file must load: tests run from the project root. */
	ck_assert_int_eq(agent_load(&a, "conf/agent/breakglass.md", key, sizeof(key)), 0);
	ck_assert_str_eq(a.name, "breakglass");
	ck_assert_uint_eq(a.ntools, 4);
	ck_assert_ptr_nonnull(strstr(a.prompt, "ssh devvm"));
	ck_assert_ptr_nonnull(strstr(a.prompt, "ssh pve"));
	agent_free(&a);
}
END_TEST

START_TEST(test_agent_load_missing_file_fails)
{
	struct agent a;
	char key[64] = "";

	ck_assert_int_eq(agent_load(&a, "/nonexistent/agent.md", key, sizeof(key)), -1);
	ck_assert_str_eq(key, "file");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("agent");
	TCase *tc = tcase_create("agent");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_agent_parse_good_file);
	tcase_add_test(tc, test_agent_parse_quoted_values_and_no_model);
	tcase_add_loop_test(tc, test_agent_parse_bad_files_name_key, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_agent_parse_nul_byte_fails);
	tcase_add_test(tc, test_agent_json_shape);
	tcase_add_test(tc, test_agent_tools_list_commas);
	tcase_add_test(tc, test_agent_load_project_file);
	tcase_add_test(tc, test_agent_load_missing_file_fails);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
