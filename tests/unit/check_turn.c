/* check_turn.c: the CLI's argv and environment, the turn lock, stop without a turn, and the spawn helpers. */
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "agent.h"
#include "config.h"
#include "session.h"
#include "spawn.h"
#include "turn.h"

#define SID	"11111111-2222-4333-8444-555555555555"
#define CLI_ID	"99999999-8888-4777-8666-555555555555"

static char state[64];
static struct config cfg;
static struct agent agent;

static void
setup(void)
{
	static const char text[] = "---\nname: breakglass\ndescription: d\ntools: Bash, Read\n---\nPrompt.\n";
	char key[64];

	snprintf(state, sizeof(state), "/tmp/check_turn.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(state));
	config_defaults(&cfg);
	snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s", state);
	ck_assert_int_eq(agent_parse(&agent, text, strlen(text), key, sizeof(key)), 0);
}

static void
teardown(void)
{
	char cmd[128];

	agent_free(&agent);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state);
	ck_assert_int_eq(system(cmd), 0);
}

static size_t
count(char **v)
{
	size_t n = 0;

	while (v[n] != NULL)
		n++;
	return n;
}

START_TEST(test_turn_build_argv_first_turn)
{
	const char *want[] = {
		"claude", "-p", "--output-format", "stream-json", "--verbose", "--include-partial-messages",
		"--session-id", SID, "--agents",
		"{\"breakglass\":{\"description\":\"d\",\"prompt\":\"Prompt.\",\"tools\":[\"Bash\",\"Read\"]}}",
		"--agent", "breakglass", "--tools", "Bash,Read", "--allowedTools", "Bash,Read",
		"--max-turns", "40", "--", "hello",
	};
	char **v = turn_build_argv(&cfg, &agent, SID, "", "hello");
	size_t i;

	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(count(v), sizeof(want) / sizeof(want[0]));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_str_eq(v[i], want[i]);
	turn_free_vector(v);
}
END_TEST

START_TEST(test_turn_build_argv_resume_and_model)
{
	char **v;
	size_t n;

	snprintf(cfg.model, sizeof(cfg.model), "opus");
	v = turn_build_argv(&cfg, &agent, SID, CLI_ID, "-rf");
	ck_assert_ptr_nonnull(v);
	n = count(v);
	ck_assert_str_eq(v[6], "--resume");
	ck_assert_str_eq(v[7], CLI_ID);
	ck_assert_str_eq(v[n - 4], "--model");
	ck_assert_str_eq(v[n - 3], "opus");
	ck_assert_str_eq(v[n - 2], "--");
	ck_assert_str_eq(v[n - 1], "-rf");
	turn_free_vector(v);
}
END_TEST

START_TEST(test_turn_build_argv_invalid_ids_fail)
{
	ck_assert_ptr_null(turn_build_argv(&cfg, &agent, "../x", "", "m"));
	ck_assert_ptr_null(turn_build_argv(&cfg, &agent, SID, "--help", "m"));
	ck_assert_ptr_null(turn_build_argv(&cfg, &agent, SID, "AAAAAAAA-2222-4333-8444-555555555555", "m"));
}
END_TEST

static const char *
env_get(char **v, const char *name)
{
	size_t len = strlen(name);

	for (; *v != NULL; v++)
		if (strncmp(*v, name, len) == 0 && (*v)[len] == '=')
			return *v + len + 1;
	return NULL;
}

START_TEST(test_turn_build_env_allow_list_only)
{
	char **v;

	setenv("PATH", "/opt/x:/usr/bin", 1);
	setenv("HOME", "/home/bg", 1);
	unsetenv("LANG");
	setenv("SSH_AUTH_SOCK", "/run/agent.sock", 1);
	setenv("ANTHROPIC_API_KEY", "sk-test", 1);
	unsetenv("ANTHROPIC_BASE_URL");
	setenv("HTTP_AUTHORIZATION", "Bearer secret", 1);
	setenv("BREAKGLASS_CONF", "/etc/x", 1);
	snprintf(cfg.agent_env[cfg.nagent_env++], sizeof(cfg.agent_env[0]), "PATH");

	v = turn_build_env(&cfg);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(env_get(v, "PATH"), "/opt/x:/usr/bin");
	ck_assert_str_eq(env_get(v, "HOME"), "/home/bg");
	ck_assert_str_eq(env_get(v, "LANG"), "C.UTF-8");
	ck_assert_str_eq(env_get(v, "SSH_AUTH_SOCK"), "/run/agent.sock");
	ck_assert_str_eq(env_get(v, "ANTHROPIC_API_KEY"), "sk-test");
	ck_assert_ptr_null(env_get(v, "ANTHROPIC_BASE_URL"));
	ck_assert_ptr_null(env_get(v, "HTTP_AUTHORIZATION"));
	ck_assert_ptr_null(env_get(v, "BREAKGLASS_CONF"));
	/* PATH named twice (fixed list and agent_env) appears once. */
	ck_assert_uint_eq(count(v), 5);
	turn_free_vector(v);
}
END_TEST

START_TEST(test_turn_build_env_fallbacks)
{
	char **v;

	unsetenv("PATH");
	unsetenv("HOME");
	unsetenv("SSH_AUTH_SOCK");
	v = turn_build_env(&cfg);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(env_get(v, "PATH"), "/usr/local/bin:/usr/bin:/bin");
	ck_assert_ptr_nonnull(env_get(v, "HOME"));
	ck_assert_ptr_null(env_get(v, "SSH_AUTH_SOCK"));
	turn_free_vector(v);
}
END_TEST

START_TEST(test_turn_lock_second_is_busy)
{
	struct session_meta m;
	int a, b;

	ck_assert_int_eq(session_create(state, &m), 0);
	a = turn_lock(state, m.id);
	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(session_running(state, m.id), 1);
	b = turn_lock(state, m.id);
	ck_assert_int_eq(b, TURN_BUSY);
	close(a);
	ck_assert_int_eq(session_running(state, m.id), 0);
	b = turn_lock(state, m.id);
	ck_assert_int_ge(b, 0);
	close(b);
}
END_TEST

START_TEST(test_turn_stop_without_turn_is_1)
{
	struct session_meta m;

	ck_assert_int_eq(session_create(state, &m), 0);
	ck_assert_int_eq(turn_stop(state, m.id), 1);
}
END_TEST

START_TEST(test_turn_stop_stale_pid_file_fails)
{
	struct session_meta m;
	char path[256];
	int lock;
	FILE *f;

	/* A turn holds the lock, but turn.pid names a process that is not it. */
	ck_assert_int_eq(session_create(state, &m), 0);
	lock = turn_lock(state, m.id);
	ck_assert_int_ge(lock, 0);
	snprintf(path, sizeof(path), "%s/sessions/%s/%s", state, m.id, TURN_PID);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%d 1\n", (int)getpid());
	fclose(f);
	ck_assert_int_eq(turn_stop(state, m.id), -1);
	close(lock);
}
END_TEST

START_TEST(test_spawn_resolve_on_path)
{
	char out[256];

	ck_assert_int_eq(spawn_resolve("sh", "/nonexistent::/bin:/usr/bin", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/bin/sh");
	ck_assert_int_eq(spawn_resolve("no-such-program-x", "/bin:/usr/bin", out, sizeof(out)), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(spawn_resolve("/x/y", "", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/x/y");
	ck_assert_int_eq(spawn_resolve("", "/bin", out, sizeof(out)), -1);
}
END_TEST

START_TEST(test_spawn_start_exec_failure_reports_errno)
{
	char *argv[] = { "/dev/null", NULL }, *envp[] = { NULL };
	struct spawn_child c;

	ck_assert_int_eq(spawn_start(argv, envp, "/bin", "/", &c), -1);
	ck_assert_int_eq(errno, EACCES);
}
END_TEST

START_TEST(test_spawn_start_pipes_and_group)
{
	char *argv[] = { "sh", "-c", "echo out; echo err >&2; ps -o pgid= -p $$ | tr -d ' '", NULL };
	char *envp[] = { "PATH=/bin:/usr/bin", NULL };
	struct spawn_child c;
	char buf[128] = "";
	ssize_t n;
	int status;

	ck_assert_int_eq(spawn_start(argv, envp, "/bin:/usr/bin", "/", &c), 0);
	n = read(c.out_fd, buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(waitpid(c.pid, &status, 0), c.pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	n = read(c.out_fd, buf + n, sizeof(buf) - 1 - (size_t)n) + n;
	buf[n] = '\0';
	{
		char want[64];
		snprintf(want, sizeof(want), "out\n%d\n", (int)c.pid);
		ck_assert_str_eq(buf, want);
	}
	n = read(c.err_fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	ck_assert_str_eq(buf, "err\n");
	close(c.out_fd);
	close(c.err_fd);
}
END_TEST

START_TEST(test_spawn_kill_all_reaps_orphans)
{
	char *argv[] = { "sh", "-c", "setsid sh -c 'sleep 300' & sleep 300", NULL };
	char *envp[] = { "PATH=/bin:/usr/bin", NULL };
	struct spawn_child c;

	/* As the supervisor does: orphans in other sessions come back to us. */
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	ck_assert_int_eq(spawn_start(argv, envp, "/bin:/usr/bin", "/", &c), 0);
	usleep(200 * 1000);
	ck_assert_int_eq(spawn_kill_all(c.pid, 3000), 0);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
	close(c.out_fd);
	close(c.err_fd);
}
END_TEST

START_TEST(test_spawn_start_time_of_self)
{
	ck_assert_int_gt(spawn_start_time(getpid()), 0);
	ck_assert_int_eq(spawn_start_time(0), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("turn");
	TCase *tc = tcase_create("turn");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_turn_build_argv_first_turn);
	tcase_add_test(tc, test_turn_build_argv_resume_and_model);
	tcase_add_test(tc, test_turn_build_argv_invalid_ids_fail);
	tcase_add_test(tc, test_turn_build_env_allow_list_only);
	tcase_add_test(tc, test_turn_build_env_fallbacks);
	tcase_add_test(tc, test_turn_lock_second_is_busy);
	tcase_add_test(tc, test_turn_stop_without_turn_is_1);
	tcase_add_test(tc, test_turn_stop_stale_pid_file_fails);
	tcase_add_test(tc, test_spawn_resolve_on_path);
	tcase_add_test(tc, test_spawn_start_exec_failure_reports_errno);
	tcase_add_test(tc, test_spawn_start_pipes_and_group);
	tcase_add_test(tc, test_spawn_kill_all_reaps_orphans);
	tcase_add_test(tc, test_spawn_start_time_of_self);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
