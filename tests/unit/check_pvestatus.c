/* check_pvestatus.c: parsing of `qm status` output and of the gate's result line. */
#include <string.h>

#include <check.h>

#include "bounds.h"
#include "pvestatus.h"

static const char verbose_running[] =
    "balloon: 4294967296\n"
    "blockstat:\n"
    "\tscsi0:\n"
    "\t\tstatus: nested\n"
    "cpus: 4\n"
    "lock: backup\n"
    "name: devvm\n"
    "pid: 12345\n"
    "qmpstatus: paused\n"
    "running-qemu: 8.1.5\n"
    "status: running\n"
    "uptime: 86400\n"
    "vmid: 102\n";

START_TEST(test_pvestatus_parse_verbose_running)
{
	struct pvestatus st;

	ck_assert_int_eq(pvestatus_parse(verbose_running, strlen(verbose_running), &st), 0);
	ck_assert_str_eq(st.state, "running");
	ck_assert_str_eq(st.qmpstatus, "paused");
	ck_assert_str_eq(st.lock, "backup");
	ck_assert_int_eq(st.pid, 12345);
	ck_assert_int_eq(st.uptime, 86400);
}
END_TEST

START_TEST(test_pvestatus_parse_plain_stopped)
{
	struct pvestatus st;
	const char *out = "status: stopped\n";

	ck_assert_int_eq(pvestatus_parse(out, strlen(out), &st), 0);
	ck_assert_str_eq(st.state, "stopped");
	ck_assert_str_eq(st.lock, "");
	ck_assert_str_eq(st.qmpstatus, "");
	ck_assert_int_eq(st.pid, -1);
	ck_assert_int_eq(st.uptime, -1);
}
END_TEST

START_TEST(test_pvestatus_parse_no_trailing_newline)
{
	struct pvestatus st;
	const char *out = "uptime: 5\nstatus: running";

	ck_assert_int_eq(pvestatus_parse(out, strlen(out), &st), 0);
	ck_assert_str_eq(st.state, "running");
	ck_assert_int_eq(st.uptime, 5);
}
END_TEST

/* Outputs with no usable status line. */
static const char *const bad_status[] = {
	"",
	"\n",
	"VM 102 not running\n",
	"status:running\n",
	"status: \n",
	"status: RUNNING\n",
	"status: running now\n",
	" status: running\n",
	"\tstatus: running\n",
	"Status: running\n",
	"status: 1running\n",
	"status: averyveryverylongstateword\n",
	"status: run;ning\n",
	"xstatus: running\n",
};

START_TEST(test_pvestatus_parse_bad_refused)
{
	struct pvestatus st;
	const char *out = bad_status[_i];

	ck_assert_int_eq(pvestatus_parse(out, strlen(out), &st), -1);
	ck_assert_str_eq(st.state, "");
}
END_TEST

START_TEST(test_pvestatus_parse_bad_numbers_ignored)
{
	struct pvestatus st;
	const char *out = "pid: -1\nuptime: 12x\nlock: Back Up\nstatus: running\n";

	ck_assert_int_eq(pvestatus_parse(out, strlen(out), &st), 0);
	ck_assert_int_eq(st.pid, -1);
	ck_assert_int_eq(st.uptime, -1);
	ck_assert_str_eq(st.lock, "");
}
END_TEST

START_TEST(test_pvestatus_parse_embedded_nul)
{
	struct pvestatus st;
	const char out[] = "status: run\0ning\n";

	ck_assert_int_eq(pvestatus_parse(out, sizeof(out) - 1, &st), -1);
}
END_TEST

START_TEST(test_pvestatus_parse_result_ok)
{
	struct pvestatus_result r;
	const char *line = "breakglass-gate: verb=cycle exit=0 state=running";

	ck_assert_int_eq(pvestatus_parse_result(line, strlen(line), &r), 0);
	ck_assert_str_eq(r.verb, "cycle");
	ck_assert_int_eq(r.exit_status, 0);
	ck_assert_str_eq(r.state, "running");
}
END_TEST

START_TEST(test_pvestatus_parse_result_refusal)
{
	struct pvestatus_result r;
	const char *line = "breakglass-gate: verb=- exit=77 state=unknown";

	ck_assert_int_eq(pvestatus_parse_result(line, strlen(line), &r), 0);
	ck_assert_str_eq(r.verb, "-");
	ck_assert_int_eq(r.exit_status, 77);
	ck_assert_str_eq(r.state, "unknown");
}
END_TEST

static const char *const bad_result[] = {
	"",
	"breakglass-gate:",
	"breakglass-gate: verb=status exit=0",
	"breakglass-gate: verb=status exit=0 state=",
	"breakglass-gate: verb=status exit=0 state=running ",
	"breakglass-gate: verb=status exit=0 state=running\r",
	"breakglass-gate: verb=status exit=0 state=run ning",
	"breakglass-gate: verb=status exit=256 state=running",
	"breakglass-gate: verb=status exit=-1 state=running",
	"breakglass-gate: verb=status exit=00 state=running",
	"breakglass-gate: verb=status exit=+0 state=running",
	"breakglass-gate: verb=status exit= state=running",
	"breakglass-gate: verb=status exit=x state=running",
	"breakglass-gate: verb=reboot exit=0 state=running",
	"breakglass-gate: verb=STATUS exit=0 state=running",
	"breakglass-gate: verb= exit=0 state=running",
	"breakglass-gate:  verb=status exit=0 state=running",
	"breakglass-gate: verb=status  exit=0 state=running",
	"breakglass-gate: exit=0 verb=status state=running",
	"breakglass-gate: verb=status exit=0 state=Running",
	"breakglass-gate: verb=status exit=0 state=running extra=1",
	" breakglass-gate: verb=status exit=0 state=running",
	"breakglass-gatex verb=status exit=0 state=running",
	"gate: verb=status exit=0 state=running",
};

START_TEST(test_pvestatus_parse_result_bad_refused)
{
	struct pvestatus_result r;
	const char *line = bad_result[_i];

	ck_assert_msg(pvestatus_parse_result(line, strlen(line), &r) == -1,
	    "accepted bad result line %d", _i);
}
END_TEST

START_TEST(test_pvestatus_last_result_finds_last_line)
{
	struct pvestatus_result r;
	size_t start = 0;
	const char *out = "status: running\nbreakglass-gate: verb=status exit=0 state=running\n";

	ck_assert_int_eq(pvestatus_last_result(out, strlen(out), &r, &start), 0);
	ck_assert_int_eq(start, strlen("status: running\n"));
	ck_assert_str_eq(r.state, "running");
}
END_TEST

START_TEST(test_pvestatus_last_result_not_last_refused)
{
	struct pvestatus_result r;
	const char *out = "breakglass-gate: verb=status exit=0 state=running\nmore\n";
	const char *blank = "breakglass-gate: verb=status exit=0 state=running\n\n";

	ck_assert_int_eq(pvestatus_last_result(out, strlen(out), &r, NULL), -1);
	ck_assert_int_eq(pvestatus_last_result(blank, strlen(blank), &r, NULL), -1);
	ck_assert_int_eq(pvestatus_last_result("", 0, &r, NULL), -1);
}
END_TEST

START_TEST(test_pvestatus_last_result_no_newline)
{
	struct pvestatus_result r;
	size_t start = 99;
	const char *out = "breakglass-gate: verb=stop exit=1 state=running";

	ck_assert_int_eq(pvestatus_last_result(out, strlen(out), &r, &start), 0);
	ck_assert_int_eq(start, 0);
	ck_assert_int_eq(r.exit_status, 1);
}
END_TEST

START_TEST(test_pvestatus_format_result_round_trip)
{
	char line[BG_GATE_LINE_MAX];
	struct pvestatus_result r;

	ck_assert_int_eq(pvestatus_format_result(line, sizeof(line), "reset", 124, "stopped"), 0);
	ck_assert_str_eq(line, "breakglass-gate: verb=reset exit=124 state=stopped\n");
	ck_assert_int_eq(pvestatus_last_result(line, strlen(line), &r, NULL), 0);
	ck_assert_str_eq(r.verb, "reset");
	ck_assert_int_eq(r.exit_status, 124);
}
END_TEST

START_TEST(test_pvestatus_format_result_sanitises)
{
	char line[BG_GATE_LINE_MAX];

	ck_assert_int_eq(pvestatus_format_result(line, sizeof(line), "status;reboot", 300, "bad state\n"), 0);
	ck_assert_str_eq(line, "breakglass-gate: verb=- exit=255 state=unknown\n");
}
END_TEST

START_TEST(test_pvestatus_format_result_too_small)
{
	char line[16];

	ck_assert_int_eq(pvestatus_format_result(line, sizeof(line), "status", 0, "running"), -1);
}
END_TEST

START_TEST(test_pvestatus_word_valid_bounds)
{
	ck_assert_int_eq(pvestatus_word_valid("running", 7, BG_PVE_STATE_MAX), 1);
	ck_assert_int_eq(pvestatus_word_valid("suspended-io", 12, BG_PVE_STATE_MAX), 1);
	ck_assert_int_eq(pvestatus_word_valid("", 0, BG_PVE_STATE_MAX), 0);
	ck_assert_int_eq(pvestatus_word_valid("-x", 2, BG_PVE_STATE_MAX), 0);
	ck_assert_int_eq(pvestatus_word_valid("abcdefghijklmnopq", 17, BG_PVE_STATE_MAX), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pvestatus");
	TCase *tc = tcase_create("pvestatus");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_pvestatus_parse_verbose_running);
	tcase_add_test(tc, test_pvestatus_parse_plain_stopped);
	tcase_add_test(tc, test_pvestatus_parse_no_trailing_newline);
	tcase_add_loop_test(tc, test_pvestatus_parse_bad_refused, 0,
	    (int)(sizeof(bad_status) / sizeof(bad_status[0])));
	tcase_add_test(tc, test_pvestatus_parse_bad_numbers_ignored);
	tcase_add_test(tc, test_pvestatus_parse_embedded_nul);
	tcase_add_test(tc, test_pvestatus_parse_result_ok);
	tcase_add_test(tc, test_pvestatus_parse_result_refusal);
	tcase_add_loop_test(tc, test_pvestatus_parse_result_bad_refused, 0,
	    (int)(sizeof(bad_result) / sizeof(bad_result[0])));
	tcase_add_test(tc, test_pvestatus_last_result_finds_last_line);
	tcase_add_test(tc, test_pvestatus_last_result_not_last_refused);
	tcase_add_test(tc, test_pvestatus_last_result_no_newline);
	tcase_add_test(tc, test_pvestatus_format_result_round_trip);
	tcase_add_test(tc, test_pvestatus_format_result_sanitises);
	tcase_add_test(tc, test_pvestatus_format_result_too_small);
	tcase_add_test(tc, test_pvestatus_word_valid_bounds);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
