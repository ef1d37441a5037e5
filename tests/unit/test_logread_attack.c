/* test_logread_attack.c - reading verdict log lines (tools/logread.c) that an
 * attacker wrote: any local user can put "portcullisd: verdict=..." lines
 * in syslog (logger -t portcullisd), and `portcullis log` prints the lines
 * it accepts as they are. A line with raw control bytes (a terminal escape
 * in the syslog prefix) must be refused; random damage to valid lines must
 * never crash or overread (ASan), and whatever is accepted is clean. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper_fixture.h"
#include "logread.h"

#define NOW 1764334800 /* 2025-11-28 */

static struct pc_logrec rec;

static int parse(const char *line, size_t len)
{
	char err[128];

	return pc_logread_parse(line, len, NOW, &rec, err, sizeof(err));
}

static const char *const valid[] = {
	"Nov 28 13:00:00 host portcullisd[1]: verdict=deny rule=- dir=in proto=tcp "
	"src=192.0.2.1 sport=1 dst=198.51.100.2 dport=23 len=60",
	"time=2025-11-28T13:00:00.000Z verdict=permit rule=\"Web \\\"x\\\"\" dir=in proto=tcp "
	"src=2001:db8::1 sport=40000 dst=2001:db8::2 dport=80 len=60",
	"{\"time\":\"2025-11-28T13:00:00.000Z\",\"verdict\":\"deny\",\"rule\":\"(malformed)\","
	"\"reason\":\"bad-fragment\",\"dir\":\"in\",\"len\":56}",
	"{\"verdict\":\"deny\",\"rule\":\"ICMP\",\"dir\":\"out\",\"proto\":\"icmp\","
	"\"src\":\"198.51.100.2\",\"dst\":\"192.0.2.1\",\"type\":8,\"code\":0,\"len\":84}",
	"suppressed=1234",
	"time=2025-11-28T13:00:00.000Z level=warning msg=\"config has errors, not reloading\"",
};
#define NVALID (sizeof(valid) / sizeof(valid[0]))

START_TEST(valid_lines_read)
{
	for (size_t i = 0; i < NVALID; i++)
		ck_assert_msg(parse(valid[i], strlen(valid[i])) == 0, "%s", valid[i]);
}
END_TEST

/* Forged lines carrying terminal escapes where the parser does not look
 * (the syslog prefix) or anywhere else. */
START_TEST(control_bytes_refused)
{
	static const char *const forged[] = {
		"\x1b]0;owned\x07 Nov 28 13:00:00 host portcullisd[1]: verdict=deny rule=- dir=in "
		"proto=tcp src=192.0.2.1 sport=1 dst=198.51.100.2 dport=23 len=60",
		"Nov 28 13:00:00 h\x1b[31m portcullisd[1]: verdict=deny rule=- dir=in proto=tcp "
		"src=192.0.2.1 sport=1 dst=198.51.100.2 dport=23 len=60",
		"verdict=deny rule=- dir=in proto=tcp src=192.0.2.1 sport=1 dst=198.51.100.2 "
		"dport=23 len=60\x1b[2J",
		"suppressed=5\x08\x08\x08",
		"suppressed=5\x7f",
	};

	for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++)
		ck_assert_msg(parse(forged[i], strlen(forged[i])) == -1, "accepted line %zu", i);
	/* a tab in the prefix is harmless */
	static const char tab[] = "\tsuppressed=5";
	ck_assert_int_eq(parse(tab, strlen(tab)), 0);
}
END_TEST

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	return pc_test_xorshift(&rng);
}

/* Mutated valid lines, each in a buffer of exactly its length. */
START_TEST(damaged_lines)
{
	static char buf[PC_LOGREAD_LINE_MAX + 64];
	unsigned long ok = 0, bad = 0;

	for (int round = 0; round < 200000; round++) {
		const char *v = valid[rnd() % NVALID];
		size_t n = strlen(v);
		char *copy;

		memcpy(buf, v, n);
		for (int k = 1 + (int)(rnd() % 3); k > 0; k--)
			buf[rnd() % n] = rnd() % 2 ? (char)rnd() : "\"\\={}:,0x-"[rnd() % 10];
		if (rnd() % 4 == 0)
			n = rnd() % (n + 1);
		copy = malloc(n ? n : 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, buf, n);
		if (parse(copy, n) == 0) {
			ok++;
			if (n && copy[n - 1] == '\n') /* a line end is not part of the line */
				n--;
			if (n && copy[n - 1] == '\r')
				n--;
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)copy[i] < 0x20 && copy[i] != '\t')
					ck_abort_msg("round %d: accepted a control byte", round);
		} else {
			bad++;
		}
		free(copy);
	}
	ck_assert_uint_gt(ok, 1000);
	ck_assert_uint_gt(bad, 1000);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("logread-attack");
	TCase *tc = tcase_create("lines");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, valid_lines_read);
	tcase_add_test(tc, control_bytes_refused);
	tcase_add_test(tc, damaged_lines);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(suite());
}
