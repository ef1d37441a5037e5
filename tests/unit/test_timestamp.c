/* test_timestamp.c - the times log lines and `log --since` carry: ISO 8601,
 * syslog's "Nov 28 13:00:00", unix seconds. Every string is parsed from an
 * exactly sized heap copy without a NUL, so ASan reports any read past it. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helper_fixture.h"
#include "timestamp.h"

enum kind { ISO, SYSLOG, UNIX };

static int64_t now; /* 2026-11-28T13:19:53Z */

static void setup(void)
{
	now = pc_test_utc_now();
}

/* Parses the first len bytes of s as kind. Returns 0, or -1. */
static int parse_n(enum kind k, const char *s, size_t len, int64_t *t)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	rc = k == ISO ? pc_timestamp_iso(copy, len, t) :
	     k == SYSLOG ? pc_timestamp_syslog(copy, len, now, t) :
			   pc_timestamp_unix(copy, len, t);
	free(copy);
	return rc;
}

static void good(enum kind k, const char *s, int64_t want)
{
	int64_t t = -1;

	if (parse_n(k, s, strlen(s), &t) < 0)
		ck_abort_msg("'%s' rejected", s);
	ck_assert_msg(t == want, "'%s': %lld, want %lld", s, (long long)t, (long long)want);
}

static void bad(enum kind k, const char *s)
{
	int64_t t;

	if (parse_n(k, s, strlen(s), &t) == 0)
		ck_abort_msg("'%s' accepted", s);
}

START_TEST(iso_times)
{
	static const char *const same[] = {
		"2026-11-28T13:00:00Z",   "2026-11-28T13:00:00.999Z",  "2026-11-28T13:00:00,5Z",
		"2026-11-28 13:00:00Z",   "2026-11-28T14:00:00+01:00", "2026-11-28T14:00:00+0100",
		"2026-11-28T14:00:00+01", "2026-11-28T07:30:00-05:30", "2026-11-28T13:00Z",
		"2026-11-28T13:00:00", /* local time: TZ=UTC here */
	};
	static const char *const wrong[] = {
		"", "2026", "2026-11", "2026-11-28T", "2026-11-28T13", "2026-11-28T13:00:",
		"2026-13-01", "2026-00-01", "2026-02-29", "2026-04-31", "2026-11-28T24:00:00Z",
		"2026-11-28T13:60:00Z", "2026-11-28T13:00:61Z", "2026-11-28T13:00:00.Z",
		"2026-11-28T13:00:00+1", "2026-11-28T13:00:00+01:6", "2026-11-28T13:00:00Zjunk",
		"26-11-28", "2026/11/28", "2026-11-28x", "2026-1-28", " 2026-11-28",
	};
	int64_t t;

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		good(ISO, same[i], pc_test_utc(2026, 11, 28, 13, 0, 0));
	good(ISO, "2024-02-29", pc_test_utc(2024, 2, 29, 0, 0, 0));
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
		bad(ISO, wrong[i]);
	/* only len bytes count */
	ck_assert_int_eq(parse_n(ISO, "2026-11-28T13:00:00Zjunk", 20, &t), 0);
	ck_assert_int_eq(t, pc_test_utc(2026, 11, 28, 13, 0, 0));
}
END_TEST

START_TEST(syslog_times)
{
	static const char *const wrong[] = {
		"", "Nov", "Nov 28", "Nov 28 13", "Nov 28 13:00:", "Nov 31 13:00:00",
		"Xyz 28 13:00:00", "Nov 28 13:00:00x", "Nov 28 24:00:00", "nov 28 13:00:00",
		"Nov 28 13:00:00.", "Nov   8 01:02:03",
	};

	good(SYSLOG, "Nov 28 13:00:00", pc_test_utc(2026, 11, 28, 13, 0, 0));
	good(SYSLOG, "Nov 28 13:00:00.123456 host portcullisd[1]:", pc_test_utc(2026, 11, 28, 13, 0, 0));
	good(SYSLOG, "Nov  8 01:02:03", pc_test_utc(2026, 11, 8, 1, 2, 3));
	good(SYSLOG, "Nov 8 01:02", pc_test_utc(2026, 11, 8, 1, 2, 0));
	/* December seen at the end of November: last year's; a few days ahead: this year's */
	good(SYSLOG, "Dec 31 23:00:00", pc_test_utc(2025, 12, 31, 23, 0, 0));
	good(SYSLOG, "Dec  1 00:00:00", pc_test_utc(2026, 12, 1, 0, 0, 0));
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
		bad(SYSLOG, wrong[i]);
}
END_TEST

START_TEST(unix_times)
{
	static const char *const wrong[] = { "", " 1", "x", "12a", "1.5x", "1234567890123" };

	good(UNIX, "1732798800", 1732798800);
	good(UNIX, "1732798800.123456", 1732798800);
	good(UNIX, "1732798800 host portcullisd[1]:", 1732798800);
	good(UNIX, "0", 0);
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
		bad(UNIX, wrong[i]);
}
END_TEST

static Suite *timestamp_suite(void)
{
	Suite *s = suite_create("timestamp");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, iso_times);
	tcase_add_test(tc, syslog_times);
	tcase_add_test(tc, unix_times);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(timestamp_suite());
}
