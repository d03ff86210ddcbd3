/* check_verb.c: the power-verb whitelist accepts its six names exactly and nothing else. */
#include <string.h>

#include <check.h>

#include "bounds.h"
#include "verb.h"

/* A hostile input with its length, so embedded NUL bytes count. */
struct hostile {
	const char	*s;
	size_t		len;
};

#define H(lit)	{ lit, sizeof(lit) - 1 }

static const struct hostile hostile[] = {
	H(""),
	H(" "),
	H("status;reboot"),
	H("status\n"),
	H("status\r\n"),
	H("status "),
	H(" status"),
	H("\tstatus"),
	H("status\t"),
	H("STATUS"),
	H("Status"),
	H("sTaTuS"),
	H("reset 103"),
	H("reset --skiplock"),
	H("reset --skiplock 1"),
	H("stop --overrule-shutdown 1"),
	H("start 102"),
	H("$(reboot)"),
	H("`reboot`"),
	H("status && reboot"),
	H("status|reboot"),
	H("status&"),
	H("status>/etc/passwd"),
	H("status\0x"),
	H("\0status"),
	H("stat"),
	H("statuss"),
	H("status/"),
	H("./status"),
	H("/usr/sbin/qm status"),
	H("qm status 102"),
	H("'status'"),
	H("\"status\""),
	H("status\\"),
	H("st\\atus"),
	H("st atus"),
	H("cycle\v"),
	H("cycle\f"),
	H("\xd1\x95tatus"),		/* Cyrillic dze for s */
	H("st\xd0\xb0tus"),		/* Cyrillic a */
	H("r\xd0\xb5set"),		/* Cyrillic ie */
	H("\xef\xbd\x93tatus"),		/* fullwidth s */
	H("status\xe2\x80\x8b"),	/* zero-width space */
	H("\xef\xbb\xbfstatus"),	/* byte-order mark */
	H("stop\xc2\xa0"),		/* no-break space */
	H("forensics\n--vmid 1"),
	H("status%0a"),
	H("status%00"),
	H("-"),
	H("--help"),
	H("help"),
	H("reboot"),
	H("shutdown"),
	H("destroy"),
	H("migrate"),
	H("statusstatusstatus"),
	H("verb=status"),
	H("{\"verb\":\"status\"}"),
	H("s\x80tatus"),
	H("\xff"),
};

static const char *const good[] = {
	"status", "forensics", "start", "stop", "reset", "cycle",
};

START_TEST(test_verb_lookup_hostile_refused)
{
	const struct hostile *h = &hostile[_i];

	/* The gate checks a C string, which ends at the first NUL. The CGI
	 * checks the JSON string with its length. */
	ck_assert_msg(verb_lookup_len(h->s, h->len) == NULL,
	    "verb_lookup_len accepted hostile input %d", _i);
	if (strlen(h->s) == h->len)
		ck_assert_msg(verb_lookup(h->s) == NULL,
		    "verb_lookup accepted hostile input %d", _i);
}
END_TEST

START_TEST(test_verb_lookup_long_refused)
{
	static char big[4096 + 1];
	static char near[BG_VERB_MAX + 2];

	memset(big, 'a', sizeof(big) - 1);
	ck_assert_ptr_null(verb_lookup(big));
	ck_assert_ptr_null(verb_lookup_len(big, sizeof(big) - 1));

	/* A verb name followed by padding past the bound. */
	memset(near, ' ', sizeof(near) - 1);
	memcpy(near, "status", 6);
	ck_assert_ptr_null(verb_lookup(near));
}
END_TEST

START_TEST(test_verb_lookup_null_refused)
{
	ck_assert_ptr_null(verb_lookup(NULL));
	ck_assert_ptr_null(verb_lookup_len(NULL, 0));
	ck_assert_ptr_null(verb_lookup_len("status", 0));
}
END_TEST

START_TEST(test_verb_lookup_names_accepted)
{
	const struct verb *v = verb_lookup(good[_i]);

	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v->name, good[_i]);
	ck_assert_ptr_eq(verb_lookup_len(good[_i], strlen(good[_i])), v);
	ck_assert_ptr_nonnull(v->description);
	ck_assert_uint_le(strlen(v->name), BG_VERB_MAX);
}
END_TEST

START_TEST(test_verb_lookup_prefix_of_longer_buffer_refused)
{
	/* len shorter than the name: "stat" out of "status". */
	ck_assert_ptr_null(verb_lookup_len("status", 4));
	/* len covering a NUL after the name. */
	ck_assert_ptr_null(verb_lookup_len("stop\0", 5));
}
END_TEST

START_TEST(test_verb_table_mutating_and_goal)
{
	ck_assert_int_eq(verb_count(), 6);
	ck_assert_int_eq(verb_lookup("status")->mutating, 0);
	ck_assert_ptr_null(verb_lookup("status")->goal);
	ck_assert_int_eq(verb_lookup("forensics")->mutating, 0);
	ck_assert_ptr_null(verb_lookup("forensics")->goal);
	ck_assert_int_eq(verb_lookup("start")->mutating, 1);
	ck_assert_str_eq(verb_lookup("start")->goal, "running");
	ck_assert_int_eq(verb_lookup("stop")->mutating, 1);
	ck_assert_str_eq(verb_lookup("stop")->goal, "stopped");
	ck_assert_int_eq(verb_lookup("reset")->mutating, 1);
	ck_assert_str_eq(verb_lookup("reset")->goal, "running");
	ck_assert_int_eq(verb_lookup("cycle")->mutating, 1);
	ck_assert_str_eq(verb_lookup("cycle")->goal, "running");
}
END_TEST

START_TEST(test_verb_lookup_table_has_40_hostile_cases)
{
	ck_assert_uint_ge(sizeof(hostile) / sizeof(hostile[0]), 40);
}
END_TEST

START_TEST(test_verb_at_order_and_bounds)
{
	size_t i;

	for (i = 0; i < verb_count(); i++)
		ck_assert_str_eq(verb_at(i)->name, good[i]);
	ck_assert_ptr_null(verb_at(verb_count()));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("verb");
	TCase *tc = tcase_create("verb");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_verb_lookup_hostile_refused, 0,
	    (int)(sizeof(hostile) / sizeof(hostile[0])));
	tcase_add_test(tc, test_verb_lookup_long_refused);
	tcase_add_test(tc, test_verb_lookup_null_refused);
	tcase_add_loop_test(tc, test_verb_lookup_names_accepted, 0,
	    (int)(sizeof(good) / sizeof(good[0])));
	tcase_add_test(tc, test_verb_lookup_prefix_of_longer_buffer_refused);
	tcase_add_test(tc, test_verb_table_mutating_and_goal);
	tcase_add_test(tc, test_verb_at_order_and_bounds);
	tcase_add_test(tc, test_verb_lookup_table_has_40_hostile_cases);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
